/**
 * Fuzzing GET /federation/psc/callback: random state, code, error and iss parameters (absent,
 * duplicated, hostile, percent-encoding garbage), with the browser's binding cookie, a forged
 * one, a wrong one or none — and a real state taken from a round trip this test started,
 * with a random code or the real code of another round trip. No code here can succeed. For
 * every input: no 5xx except the deliberate 503 when PSC itself says it is unavailable; the
 * answer is the gateway's page; nothing is stored but the round trip's state being consumed
 * and, for a real state, why it failed (for the relying party's error).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser, type Page } from '../support/browser.ts';
import { loginPage } from '../support/key-journey.ts';
import { stateDigest } from '../../src/interactions/psc-start.ts';
import { assertHealthy, assertHtmlPage, encodeComponent, hostileString, percentGarbage, refusedByHttpServer, runFuzz, send } from './checks.ts';
import { CONSUMED_ON_REFUSAL, WRITTEN_ON_REFUSAL, stateChanges, stateProbe, type StateProbe } from './state.ts';

let stack: Stack;
let probe: StateProbe;
/** One browser on one login page, starting as many PSC round trips as the runs need. */
let browser: TestBrowser;
let login: Page;
const CALLBACK = '/federation/psc/callback';

beforeAll(async () => {
  stack = await startStack({ name: 'fuzz-psc-callback', overrides: { 'limits.enabled': false } });
  probe = await stateProbe(stack.prefix);
  browser = new TestBrowser();
  login = (await loginPage(stack, browser)).page;
});
afterAll(async () => {
  await probe.close();
  await stack.close();
});

const isPsc = (url: URL) => url.origin === new URL(stack.psc.issuer).origin;
const isCallback = (url: URL) => url.pathname === CALLBACK;

/** Starts a round trip from the login page: its state, and the binding cookie the gateway set. */
async function startRoundTrip(): Promise<{ state: string; cookie: string }> {
  const started = await browser.submit(login, 'form[action$="/psc"]', {}, { stopAt: isPsc });
  assert.ok(started.stoppedAt, `the PSC button leads to PSC: ${started.page?.status} ${started.page?.body.slice(0, 200)}`);
  const state = started.stoppedAt.searchParams.get('state')!;
  const cookie = (await browser.jar.getCookies(`${stack.issuer}${CALLBACK}`)).find((c) => c.key === `hc_psc_${stateDigest(state)}`);
  assert.ok(cookie, 'the round trip is bound to the browser by a cookie');
  return { state, cookie: `${cookie.key}=${cookie.value}` };
}

/** A code PSC really issued, for another round trip (its own state left unused). */
async function codeOfAnotherRoundTrip(): Promise<string> {
  const other = new TestBrowser();
  const page = (await loginPage(stack, other)).page;
  const atPsc = await other.submit(page, 'form[action$="/psc"]');
  const back = await other.submit(
    atPsc.page!,
    'form.login-form',
    { action: 'login', practitioner: '899700427885', means: 'card', forceAcr: '', forceAuthMode: '' },
    { stopAt: isCallback },
  );
  assert.ok(back.stoppedAt, 'PSC sends the browser back with a code');
  return back.stoppedAt.searchParams.get('code')!;
}

type StateChoice =
  { kind: 'real' } | { kind: 'absent' } | { kind: 'shaped'; value: string } | { kind: 'hostile'; value: string } | { kind: 'real-twice'; other: string };
const stateChoice: fc.Arbitrary<StateChoice> = fc.oneof(
  { arbitrary: fc.constant<StateChoice>({ kind: 'real' }), weight: 5 },
  { arbitrary: fc.constant<StateChoice>({ kind: 'absent' }), weight: 1 },
  // Passes the gateway's shape check (16–128 base64url characters), then is unknown.
  {
    arbitrary: fc
      .string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'), minLength: 16, maxLength: 128 })
      .map((value): StateChoice => ({ kind: 'shaped', value })),
    weight: 2,
  },
  { arbitrary: hostileString.map((value): StateChoice => ({ kind: 'hostile', value })), weight: 2 },
  { arbitrary: hostileString.map((other): StateChoice => ({ kind: 'real-twice', other })), weight: 1 },
);

type CodeChoice = { kind: 'absent' } | { kind: 'random'; value: string } | { kind: 'other-round-trip' };
const codeChoice: fc.Arbitrary<CodeChoice> = fc.oneof(
  { arbitrary: fc.constant<CodeChoice>({ kind: 'absent' }), weight: 1 },
  {
    arbitrary: fc
      .oneof(
        fc.uint8Array({ minLength: 8, maxLength: 48 }).map((b) => Buffer.from(b).toString('base64url')),
        hostileString,
      )
      .map((value): CodeChoice => ({ kind: 'random', value })),
    weight: 4,
  },
  { arbitrary: fc.constant<CodeChoice>({ kind: 'other-round-trip' }), weight: 1 },
);

const optionalParam = (values: fc.Arbitrary<string>) =>
  fc.option(fc.oneof({ arbitrary: values, weight: 3 }, { arbitrary: hostileString, weight: 1 }), { freq: 2, nil: undefined });

/** The binding cookie: the browser's own, one forged for the state sent, one with a wrong value, none, garbage. */
type CookieChoice = { kind: 'bound' } | { kind: 'forged' } | { kind: 'wrong-value'; value: string } | { kind: 'none' } | { kind: 'garbage'; value: string };
const cookieSafe = fc.string({
  unit: fc
    .integer({ min: 0x21, max: 0x7e })
    .filter((c) => c !== 0x3b)
    .map((c) => String.fromCharCode(c)),
  maxLength: 60,
});
const cookieChoice: fc.Arbitrary<CookieChoice> = fc.oneof(
  { arbitrary: fc.constant<CookieChoice>({ kind: 'bound' }), weight: 4 },
  { arbitrary: fc.constant<CookieChoice>({ kind: 'forged' }), weight: 1 },
  { arbitrary: cookieSafe.map((value): CookieChoice => ({ kind: 'wrong-value', value })), weight: 1 },
  { arbitrary: fc.constant<CookieChoice>({ kind: 'none' }), weight: 1 },
  { arbitrary: cookieSafe.map((value): CookieChoice => ({ kind: 'garbage', value })), weight: 1 },
);

interface Callback {
  state: StateChoice;
  code: CodeChoice;
  error: string | undefined;
  errorDescription: string | undefined;
  iss: string | undefined;
  extra: Array<[string, string]>;
  raw: string[];
  cookie: CookieChoice;
}

const callback: fc.Arbitrary<Callback> = fc.record({
  state: stateChoice,
  code: codeChoice,
  error: optionalParam(
    fc.constantFrom('access_denied', 'temporarily_unavailable', 'server_error', 'invalid_request', 'login_required', 'interaction_required', ''),
  ),
  errorDescription: optionalParam(fc.string({ maxLength: 40 })),
  iss: optionalParam(fc.constantFrom('PSC_ISSUER', 'https://evil.example', 'http://localhost')),
  extra: fc.array(
    fc.tuple(fc.oneof(fc.constantFrom('state', 'code', 'iss', 'session_state', 'scope', 'id_token', 'access_token'), hostileString), hostileString),
    { maxLength: 3 },
  ),
  raw: fc.array(percentGarbage, { maxLength: 2 }),
  cookie: cookieChoice,
});

/** PSC said it is unavailable, for a round trip of this browser: the gateway's deliberate 503 (psc-callback.ts). */
const UNAVAILABLE_AT_PSC = new Set(['temporarily_unavailable', 'server_error']);

async function fuzzCallback(c: Callback): Promise<void> {
  const real = c.state.kind === 'real' || c.state.kind === 'real-twice' || c.cookie.kind === 'bound' ? await startRoundTrip() : undefined;
  const params: Array<[string, string]> = [];
  let stateSent: string | undefined;
  if (c.state.kind === 'real') stateSent = real!.state;
  else if (c.state.kind === 'shaped' || c.state.kind === 'hostile') stateSent = c.state.value;
  if (stateSent !== undefined) params.push(['state', stateSent]);
  if (c.state.kind === 'real-twice') params.push(['state', real!.state], ['state', c.state.other]);
  if (c.code.kind === 'random') params.push(['code', c.code.value]);
  if (c.code.kind === 'other-round-trip') params.push(['code', await codeOfAnotherRoundTrip()]);
  if (c.error !== undefined) params.push(['error', c.error]);
  if (c.errorDescription !== undefined) params.push(['error_description', c.errorDescription]);
  if (c.iss !== undefined) params.push(['iss', c.iss === 'PSC_ISSUER' ? stack.psc.issuer : c.iss]);
  params.push(...c.extra);
  const query = [...params.map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`), ...c.raw].join('&');

  const forgedFor = stateSent ?? '';
  const cookie =
    c.cookie.kind === 'bound'
      ? real?.cookie
      : c.cookie.kind === 'forged'
        ? `hc_psc_${stateDigest(forgedFor)}=${forgedFor.replace(/[^\x21-\x7e]|;/g, '')}`
        : c.cookie.kind === 'wrong-value'
          ? `hc_psc_${stateDigest(real?.state ?? forgedFor)}=${c.cookie.value}`
          : c.cookie.kind === 'garbage'
            ? c.cookie.value
            : undefined;
  const context = `GET ${CALLBACK}?${query.slice(0, 400)} (state ${c.state.kind}, code ${c.code.kind}, cookie ${c.cookie.kind})`;

  const before = await probe.snapshot();
  const answer = await send(`${stack.issuer}${CALLBACK}?${query}`, { headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) } });
  const read = new URL(`${stack.issuer}${CALLBACK}?${query}`).searchParams;
  const realStateSent = real !== undefined && read.get('state') === real.state;
  const pscSaysUnavailable = answer.status === 503 && realStateSent && UNAVAILABLE_AT_PSC.has(read.get('error') ?? '');
  assert.ok(answer.status < 500 || pscSaysUnavailable, `${context}: status ${answer.status}: ${answer.body.slice(0, 300)}`);
  assert.ok(
    answer.status === 200 || answer.status >= 400,
    `${context}: no code can succeed here, so no redirect (got ${answer.status} to ${answer.headers.get('location')})`,
  );
  if (!refusedByHttpServer(answer)) assertHtmlPage(answer, context);
  // Every answer here is a failure: the state may have been consumed, and (real state) why it failed recorded.
  assert.deepEqual(
    stateChanges(before, await probe.snapshot(), realStateSent ? { consumed: [CONSUMED_ON_REFUSAL.pscState], written: [WRITTEN_ON_REFUSAL.pscFailure] } : {}),
    [],
    `${context}: a failed callback stores nothing else (status ${answer.status})`,
  );
}

describe('fuzzing GET /federation/psc/callback', () => {
  it("random, real and other round trips' parameters, with and without the binding cookie: a page, no 5xx, nothing stored", async () => {
    await runFuzz(fc.asyncProperty(callback, fuzzCallback), 120);
    await assertHealthy(stack);
  });
});
