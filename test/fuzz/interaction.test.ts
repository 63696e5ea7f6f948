/**
 * Fuzzing the interaction routes: GET /interaction/:uid (and its …/psc/done, …/enrol,
 * …/second-factor pages), POST …/psc, …/consent, …/abort, …/enrol/skip with random uids,
 * cookies and form bodies — without an interaction, and with a real live one (a login page,
 * an enrolment offer after PSC, a consent page after PSC) whose uid or cookie may be the
 * real one or not. For every input: no 5xx; a refusal is the gateway's page and stores
 * nothing; a redirect stays on the gateway or goes to PSC.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser, type Page } from '../support/browser.ts';
import { authorizationRequest, isRpRedirect, loginAtPsc } from '../support/psc-login.ts';
import { interactionPath, loginPage, pscUntilNextStep } from '../support/key-journey.ts';
import { assertHealthy, assertHtmlPage, assertHtmlRefusal, assertNoServerError, encodeComponent, formEncode, hostileString, percentGarbage, runFuzz, send, type Answer } from './checks.ts';
import { stateChanges, stateProbe, type StateProbe } from './state.ts';

let stack: Stack;
let probe: StateProbe;

before(async () => {
  stack = await startStack({ name: 'fuzz-interaction', overrides: { 'limits.enabled': false } });
  probe = await stateProbe(stack.prefix);
});
after(async () => {
  await probe.close();
  await stack.close();
});

/** Where a live interaction stands: its login page, the enrolment offer after PSC, the consent page after PSC. */
type Stage = 'login' | 'enrol' | 'consent';

interface Live {
  uid: string;
  /** The Cookie header the browser sends to /interaction/<uid>/… */
  cookie: string;
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
  } else {
    const request = await authorizationRequest(stack, { clientId: 'third-party-rp' });
    const first = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    page = (await loginAtPsc(browser, first.page!)).page;
    assert.ok(page?.doc.querySelector('form[action$="/consent"]'), `a consent page after PSC: ${page?.url}`);
  }
  const uid = interactionPath(page!).split('/')[2]!;
  return { uid, cookie: await browser.jar.getCookieString(`${stack.issuer}/interaction/${uid}/abort`) };
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
  { method: 'GET', path: '/enrol' },
  { method: 'GET', path: '/second-factor' },
  { method: 'POST', path: '/psc' },
  { method: 'POST', path: '/consent' },
  { method: 'POST', path: '/abort' },
  { method: 'POST', path: '/enrol/skip' },
] as const;

/** A uid that is not the live interaction's: any string (encoded), or raw path garbage. */
const foreignUid = fc.oneof(
  { arbitrary: fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'), minLength: 10, maxLength: 64 }), weight: 3 },
  { arbitrary: hostileString.filter((s) => s.length > 0).map(encodeComponent), weight: 3 },
  { arbitrary: percentGarbage.map((g) => g.replace(/[/?#]/g, '')).filter((g) => g.length > 0), weight: 1 },
  { arbitrary: fc.constantFrom('..', '.', '%2e%2e', '%2F', 'a%2Fb', '%00', 'x'.repeat(300), '%7Bbad%7D', 'undefined', '__proto__'), weight: 1 },
);

/** A Cookie header value fetch accepts. */
const cookieSafe = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).filter((c) => c !== 0x3b).map((c) => String.fromCharCode(c)), maxLength: 80 });

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
    arbitrary: fc.array(fc.tuple(fc.constantFrom('hc_interaction', 'hc_interaction.sig', 'hc_session', 'hc_session.sig', 'hc_interaction_resume', 'lang', 'x'), cookieSafe), { minLength: 1, maxLength: 4 })
      .map((pairs): CookieChoice => ({ kind: 'garbage', pairs })),
    weight: 2,
  },
);

function cookieHeader(choice: CookieChoice, real: string | undefined): string | undefined {
  switch (choice.kind) {
    case 'real': return real || undefined;
    case 'none': return undefined;
    case 'tampered': {
      if (!real) return undefined;
      // Change one character of a cookie value (after its `=`).
      const values = [...real.matchAll(/=([^;]+)/g)].map((m) => (m.index ?? 0) + 1);
      const at = values.length ? values[choice.at % values.length]! + (choice.at % 7) : 0;
      return `${real.slice(0, at)}${choice.with}${real.slice(at + 1)}`;
    }
    case 'unsigned': return real?.split('; ').filter((c) => !c.split('=')[0]!.endsWith('.sig')).join('; ') || undefined;
    default: return choice.pairs.map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

const FIELDS = ['action', 'uid', 'prompt', 'consent', 'scope', 'name', 'practitioner', 'means', 'csrf', '_method', 'redirect_uri', 'error'];

type Body =
  | { kind: 'form'; pairs: Array<[string, string]>; contentType: string }
  | { kind: 'raw'; text: string; contentType: string }
  | { kind: 'binary'; bytes: Uint8Array; contentType: string }
  | { kind: 'none' };

const formType = fc.constantFrom('application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=iso-8859-1', 'application/x-www-form-urlencoded; charset=koi8-r', 'application/x-www-form-urlencoded; charset=nope');
const anyType = fc.oneof(formType, fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/octet-stream', ''), cookieSafe);

const body: fc.Arbitrary<Body> = fc.oneof(
  { arbitrary: fc.record({ pairs: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...FIELDS), hostileString), hostileString), { maxLength: 8 }), contentType: formType }).map((b): Body => ({ kind: 'form', ...b })), weight: 5 },
  { arbitrary: fc.record({ pairs: fc.integer({ min: 19, max: 40 }).map((n) => Array.from({ length: n }, (_, i): [string, string] => [`f${i}`, '1'])), contentType: formType }).map((b): Body => ({ kind: 'form', ...b })), weight: 1 },
  { arbitrary: fc.record({ text: fc.oneof(percentGarbage, fc.json(), fc.constantFrom('a'.repeat(200_000), '=&=&', '%')), contentType: anyType }).map((b): Body => ({ kind: 'raw', ...b })), weight: 2 },
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
  assert.ok(target.origin === stack.issuer || target.origin === new URL(stack.psc.issuer).origin, `${context}: redirects to the gateway or PSC only (got ${target.href})`);
}

interface Target { stage: Stage | 'none'; uid: 'real' | string; route: number; cookie: CookieChoice; body: Body }

async function fuzzInteraction({ stage, uid, route, cookie, body: b }: Target): Promise<void> {
  const { method, path } = ROUTES[route % ROUTES.length]!;
  const interaction = stage === 'none' ? undefined : await liveInteraction(stage);
  const uidInPath = uid === 'real' && interaction ? interaction.uid : uid === 'real' ? 'doesnotexist123' : uid;
  const url = `${stack.issuer}/interaction/${uidInPath}${path}`;
  const encoded = method === 'POST' ? encodeBody(b) : { headers: {} };
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
  // Accepted: the interaction may have moved on (PSC started, login finished, consent given).
  if (stage !== 'none' && method === 'POST') live.delete(stage);
}

describe('fuzzing the interaction routes', () => {
  it('without an interaction: random uids, cookies and form bodies are refused with a page, storing nothing', async () => {
    const target = fc.record({ stage: fc.constant<'none'>('none'), uid: fc.oneof(fc.constant('real'), foreignUid), route: fc.nat(), cookie: cookieChoice, body });
    await runFuzz(fc.asyncProperty(target, fuzzInteraction), 150);
    await assertHealthy(stack);
  });

  it('with a live interaction (login, enrolment offer, consent): its uid or another, its cookie or not, random bodies', async () => {
    const stage = fc.oneof({ arbitrary: fc.constant<Stage>('login'), weight: 4 }, { arbitrary: fc.constant<Stage>('enrol'), weight: 2 }, { arbitrary: fc.constant<Stage>('consent'), weight: 2 });
    const target = fc.record({ stage, uid: fc.oneof({ arbitrary: fc.constant('real'), weight: 4 }, { arbitrary: foreignUid, weight: 1 }), route: fc.nat(), cookie: cookieChoice, body });
    await runFuzz(fc.asyncProperty(target, fuzzInteraction), 150);
    await assertHealthy(stack);
  });
});
