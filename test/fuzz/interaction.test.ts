/**
 * Fuzzing the interaction routes: GET /interaction/:uid (and its …/psc/done, …/psc/failure,
 * …/unmet, …/enrol, …/second-factor, …/emergency, …/quick pages), POST …/psc, …/consent, …/abort, …/enrol/skip, …/emergency
 * with random uids, cookies, CSRF tokens and form bodies — without an interaction, and with a real live one (a
 * login page, an enrolment offer after PSC, a consent page after PSC, a second factor asked
 * after e-CPS) whose uid, cookie or token may be the real one or not. For every input: no
 * 5xx; a refusal is the gateway's page and stores nothing; a redirect stays on the gateway
 * or goes to PSC; and a login waiting for its second factor is not finished by another form.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser, type Page } from '../support/browser.ts';
import { authorizationRequest, isRpRedirect, loginAtPsc } from '../support/psc-login.ts';
import { ceremony, followToRp, interactionPath, loginPage, pscUntilNextStep } from '../support/key-journey.ts';
import { createSoftAuthenticator } from '../support/soft-authenticator.ts';
import {
  assertHealthy,
  assertHtmlPage,
  assertHtmlRefusal,
  assertNoServerError,
  encodeComponent,
  formEncode,
  hostileString,
  percentGarbage,
  runFuzz,
  send,
  type Answer,
} from './checks.ts';
import { stateChanges, stateProbe, type StateProbe } from './state.ts';

let stack: Stack;
let probe: StateProbe;

/** A clinician with a key: jwt-userinfo-rp asks for it after an e-CPS sign-in. */
const KEY_OWNER = '810102345672';

beforeAll(async () => {
  stack = await startStack({
    name: 'fuzz-interaction',
    overrides: { 'limits.enabled': false },
    clientOverrides: { 'jwt-userinfo-rp': { key_after_ecps: true } },
  });
  probe = await stateProbe(stack.prefix);
  const browser = new TestBrowser();
  const { page } = await pscUntilNextStep(stack, browser, { practitioner: KEY_OWNER, means: 'card' });
  const { verify } = await ceremony(browser, stack, interactionPath(page!), 'enrol', createSoftAuthenticator(), { name: 'Clé du fuzz' });
  await followToRp(browser, stack, verify);
});
afterAll(async () => {
  await probe.close();
  await stack.close();
});

/** Where a live interaction stands: its login page, the enrolment offer, the consent page, the second factor (the last three after PSC). */
type Stage = 'login' | 'enrol' | 'consent' | 'second-factor';

interface Live {
  uid: string;
  /** The Cookie header the browser sends to /interaction/<uid>/… */
  cookie: string;
  /** The CSRF token of the interaction's forms (`_csrf`), read from its page. */
  csrf: string;
}

/** Live interactions, reused while the requests sent to them are refused (a refusal changes nothing). */
const live = new Map<Stage, Live>();

async function startInteraction(stage: Stage): Promise<Live> {
  const browser = new TestBrowser();
  let page: Page | undefined;
  if (stage === 'login') {
    page = (await loginPage(stack, browser)).page;
  } else if (stage === 'enrol') {
    page = (await pscUntilNextStep(stack, browser, { practitioner: '899700427885', means: 'card' })).page;
    assert.match(page?.url ?? '', /\/enrol$/, 'after PSC, a clinician without a key is offered enrolment');
  } else if (stage === 'second-factor') {
    page = (await pscUntilNextStep(stack, browser, { practitioner: KEY_OWNER, means: 'ecps' }, { clientId: 'jwt-userinfo-rp' })).page;
    assert.match(page?.url ?? '', /\/second-factor$/, 'after e-CPS, jwt-userinfo-rp asks for a key');
  } else {
    const request = await authorizationRequest(stack, { clientId: 'third-party-rp' });
    const first = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    page = (await loginAtPsc(browser, first.page!)).page;
    assert.ok(page?.doc.querySelector('form[action$="/consent"]'), `a consent page after PSC: ${page?.url}`);
  }
  const uid = interactionPath(page!).split('/')[2]!;
  const csrf = page!.doc.querySelector('input[name="_csrf"]')?.getAttribute('value') ?? '';
  return { uid, cookie: await browser.jar.getCookieString(`${stack.issuer}/interaction/${uid}/abort`), csrf };
}

async function liveInteraction(stage: Stage): Promise<Live> {
  const existing = live.get(stage);
  if (existing) return existing;
  const created = await startInteraction(stage);
  live.set(stage, created);
  return created;
}

const ROUTES = [
  { method: 'GET', path: '' },
  { method: 'GET', path: '/psc/done' },
  { method: 'GET', path: '/psc/failure' },
  { method: 'GET', path: '/unmet' },
  { method: 'GET', path: '/enrol' },
  { method: 'GET', path: '/second-factor' },
  { method: 'GET', path: '/emergency' },
  { method: 'GET', path: '/quick' },
  { method: 'POST', path: '/psc' },
  { method: 'POST', path: '/consent' },
  { method: 'POST', path: '/abort' },
  { method: 'POST', path: '/enrol/skip' },
  { method: 'POST', path: '/emergency' },
] as const;

/** A uid that is not the live interaction's: any string (encoded), or raw path garbage. */
const foreignUid = fc.oneof(
  {
    arbitrary: fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'), minLength: 10, maxLength: 64 }),
    weight: 3,
  },
  { arbitrary: hostileString.filter((s) => s.length > 0).map(encodeComponent), weight: 3 },
  { arbitrary: percentGarbage.map((g) => g.replace(/[/?#]/g, '')).filter((g) => g.length > 0), weight: 1 },
  { arbitrary: fc.constantFrom('..', '.', '%2e%2e', '%2F', 'a%2Fb', '%00', 'x'.repeat(300), '%7Bbad%7D', 'undefined', '__proto__'), weight: 1 },
);

/** A Cookie header value fetch accepts. */
const cookieSafe = fc.string({
  unit: fc
    .integer({ min: 0x21, max: 0x7e })
    .filter((c) => c !== 0x3b)
    .map((c) => String.fromCharCode(c)),
  maxLength: 80,
});

type CookieChoice =
  | { kind: 'real' }
  | { kind: 'none' }
  | { kind: 'tampered'; at: number; with: string }
  | { kind: 'unsigned' }
  | { kind: 'garbage'; pairs: Array<[string, string]> };

const cookieChoice: fc.Arbitrary<CookieChoice> = fc.oneof(
  { arbitrary: fc.constant<CookieChoice>({ kind: 'real' }), weight: 5 },
  { arbitrary: fc.constant<CookieChoice>({ kind: 'none' }), weight: 1 },
  { arbitrary: fc.record({ at: fc.nat(), with: fc.constantFrom(...'AZaz09-_=.') }).map((t): CookieChoice => ({ kind: 'tampered', ...t })), weight: 1 },
  { arbitrary: fc.constant<CookieChoice>({ kind: 'unsigned' }), weight: 1 },
  {
    arbitrary: fc
      .array(
        fc.tuple(fc.constantFrom('hc_interaction', 'hc_interaction.sig', 'hc_session', 'hc_session.sig', 'hc_interaction_resume', 'lang', 'x'), cookieSafe),
        { minLength: 1, maxLength: 4 },
      )
      .map((pairs): CookieChoice => ({ kind: 'garbage', pairs })),
    weight: 2,
  },
);

function cookieHeader(choice: CookieChoice, real: string | undefined): string | undefined {
  switch (choice.kind) {
    case 'real':
      return real || undefined;
    case 'none':
      return undefined;
    case 'tampered': {
      if (!real) return undefined;
      // Change one character of a cookie value (after its `=`).
      const values = [...real.matchAll(/=([^;]+)/g)].map((m) => (m.index ?? 0) + 1);
      const at = values.length ? values[choice.at % values.length]! + (choice.at % 7) : 0;
      return `${real.slice(0, at)}${choice.with}${real.slice(at + 1)}`;
    }
    case 'unsigned':
      return (
        real
          ?.split('; ')
          .filter((c) => !c.split('=')[0]!.endsWith('.sig'))
          .join('; ') || undefined
      );
    default:
      return choice.pairs.map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

const FIELDS = ['action', 'uid', 'prompt', 'consent', 'scope', 'name', 'practitioner', 'means', 'csrf', '_method', 'redirect_uri', 'error'];

type Body =
  | { kind: 'form'; pairs: Array<[string, string]>; contentType: string }
  | { kind: 'raw'; text: string; contentType: string }
  | { kind: 'binary'; bytes: Uint8Array; contentType: string }
  | { kind: 'none' };

const formType = fc.constantFrom(
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=iso-8859-1',
  'application/x-www-form-urlencoded; charset=koi8-r',
  'application/x-www-form-urlencoded; charset=nope',
);
const anyType = fc.oneof(
  formType,
  fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/octet-stream', ''),
  cookieSafe,
);

const body: fc.Arbitrary<Body> = fc.oneof(
  {
    arbitrary: fc
      .record({ pairs: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...FIELDS), hostileString), hostileString), { maxLength: 8 }), contentType: formType })
      .map((b): Body => ({ kind: 'form', ...b })),
    weight: 5,
  },
  {
    arbitrary: fc
      .record({
        pairs: fc.integer({ min: 19, max: 40 }).map((n) => Array.from({ length: n }, (_, i): [string, string] => [`f${i}`, '1'])),
        contentType: formType,
      })
      .map((b): Body => ({ kind: 'form', ...b })),
    weight: 1,
  },
  {
    arbitrary: fc
      .record({ text: fc.oneof(percentGarbage, fc.json(), fc.constantFrom('a'.repeat(200_000), '=&=&', '%')), contentType: anyType })
      .map((b): Body => ({ kind: 'raw', ...b })),
    weight: 2,
  },
  { arbitrary: fc.record({ bytes: fc.uint8Array({ maxLength: 200 }), contentType: anyType }).map((b): Body => ({ kind: 'binary', ...b })), weight: 1 },
  { arbitrary: fc.constant<Body>({ kind: 'none' }), weight: 1 },
);

function encodeBody(b: Body): { headers: Record<string, string>; body?: string | Uint8Array } {
  if (b.kind === 'none') return { headers: {} };
  const headers: Record<string, string> = b.contentType ? { 'content-type': b.contentType } : {};
  if (b.kind === 'form') return { headers, body: formEncode(b.pairs) };
  if (b.kind === 'raw') return { headers, body: b.text };
  return { headers, body: b.bytes };
}

/** Redirects from the interaction routes stay on the gateway, or go to PSC (…/psc). */
function assertRedirectTarget(answer: Answer, context: string): void {
  const location = answer.headers.get('location');
  assert.ok(location, `${context}: a redirect has a location`);
  const target = new URL(location, stack.issuer);
  assert.ok(
    target.origin === stack.issuer || target.origin === new URL(stack.psc.issuer).origin,
    `${context}: redirects to the gateway or PSC only (got ${target.href})`,
  );
}

/** The `_csrf` field of a form body: the interaction's own token, none, or another value. */
type CsrfChoice = { kind: 'real' } | { kind: 'none' } | { kind: 'wrong'; value: string };
const csrfChoice: fc.Arbitrary<CsrfChoice> = fc.oneof(
  { arbitrary: fc.constant<CsrfChoice>({ kind: 'real' }), weight: 3 },
  { arbitrary: fc.constant<CsrfChoice>({ kind: 'none' }), weight: 1 },
  { arbitrary: hostileString.map((value): CsrfChoice => ({ kind: 'wrong', value })), weight: 1 },
);

function withCsrf(b: Body, choice: CsrfChoice, live: Live | undefined): Body {
  if (b.kind !== 'form' || choice.kind === 'none') return b;
  const token = choice.kind === 'real' ? (live?.csrf ?? '') : choice.value;
  return { ...b, pairs: [['_csrf', token], ...b.pairs] };
}

interface Target {
  stage: Stage | 'none';
  uid: 'real' | string;
  route: number;
  cookie: CookieChoice;
  csrf: CsrfChoice;
  body: Body;
}

async function fuzzInteraction({ stage, uid, route, cookie, csrf, body: b }: Target): Promise<void> {
  const { method, path } = ROUTES[route % ROUTES.length]!;
  const interaction = stage === 'none' ? undefined : await liveInteraction(stage);
  const uidInPath = uid === 'real' && interaction ? interaction.uid : uid === 'real' ? 'doesnotexist123' : uid;
  const url = `${stack.issuer}/interaction/${uidInPath}${path}`;
  const encoded = method === 'POST' ? encodeBody(withCsrf(b, csrf, interaction)) : { headers: {} };
  const cookies = cookieHeader(cookie, interaction?.cookie);
  const context = `${method} /interaction/${uidInPath.slice(0, 80)}${path} (${stage}, uid ${uid === 'real' ? 'real' : 'foreign'}, cookie ${cookie.kind}, body ${b.kind})`;

  const before = await probe.snapshot();
  const answer = await send(url, { method, headers: { accept: 'text/html', ...encoded.headers, ...(cookies ? { cookie: cookies } : {}) }, body: encoded.body });
  assertNoServerError(answer, context);
  if (answer.status >= 400) {
    assertHtmlRefusal(answer, context);
    assert.deepEqual(stateChanges(before, await probe.snapshot()), [], `${context}: a refused request changes nothing (status ${answer.status})`);
    return;
  }
  if (answer.status >= 300) assertRedirectTarget(answer, context);
  else assertHtmlPage(answer, context);
  // The application asked for a key after e-CPS: the login waiting for it must not be finished
  // by the enrolment offer's "later" (or any form other than the second factor's own ceremony).
  assert.ok(
    !(stage === 'second-factor' && method === 'POST' && (path === '/enrol/skip' || path === '/consent')),
    `${context}: a login waiting for its second factor was finished without it (status ${answer.status}, to ${answer.headers.get('location')})`,
  );
  // Accepted: the interaction may have moved on (PSC started, login finished, consent given).
  if (stage !== 'none' && method === 'POST') live.delete(stage);
}

describe('fuzzing the interaction routes', () => {
  it('without an interaction: random uids, cookies and form bodies are refused with a page, storing nothing', async () => {
    const target = fc.record({
      stage: fc.constant<'none'>('none'),
      uid: fc.oneof(fc.constant('real'), foreignUid),
      route: fc.nat(),
      cookie: cookieChoice,
      csrf: csrfChoice,
      body,
    });
    await runFuzz(fc.asyncProperty(target, fuzzInteraction), 150);
    await assertHealthy(stack);
  });

  it('with a live interaction (login, enrolment offer, consent, second factor): its uid or another, its cookie and token or not, random bodies', async () => {
    const stage = fc.oneof(
      { arbitrary: fc.constant<Stage>('login'), weight: 3 },
      { arbitrary: fc.constant<Stage>('enrol'), weight: 2 },
      { arbitrary: fc.constant<Stage>('consent'), weight: 2 },
      { arbitrary: fc.constant<Stage>('second-factor'), weight: 2 },
    );
    const target = fc.record({
      stage,
      uid: fc.oneof({ arbitrary: fc.constant('real'), weight: 4 }, { arbitrary: foreignUid, weight: 1 }),
      route: fc.nat(),
      cookie: cookieChoice,
      csrf: csrfChoice,
      body,
    });
    // Found by this property (minimised): "later" on the enrolment offer, posted while the login
    // waits for the key the application asked for after e-CPS, finishes it without that key.
    const found: Array<[Target]> = [
      [
        {
          stage: 'second-factor',
          uid: 'real',
          route: ROUTES.findIndex((r) => r.path === '/enrol/skip'),
          cookie: { kind: 'real' },
          csrf: { kind: 'real' },
          body: { kind: 'form', pairs: [], contentType: 'application/x-www-form-urlencoded' },
        },
      ],
    ];
    await runFuzz(fc.asyncProperty(target, fuzzInteraction), 150, found);
    await assertHealthy(stack);
  });
});
