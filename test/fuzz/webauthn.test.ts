/**
 * Fuzzing the WebAuthn ceremony endpoints of an interaction — …/webauthn/options|verify,
 * …/enrol/options|verify, …/second-factor/options|verify — on live interactions (a login
 * page; an enrolment offer after PSC; a second factor asked after e-CPS), with a challenge
 * pending or not, and bodies that are: any JSON value; objects shaped like a WebAuthn
 * response with random base64url fields and wrong types; real answers of a software
 * authenticator with one field changed; not JSON at all. For every input: no 5xx; JSON with a
 * string `error` when refused; a refusal stores nothing but consumes the pending challenge;
 * and a login waiting for its second factor is not finished by the enrolment ceremony.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser, type Page } from '../support/browser.ts';
import { createSoftAuthenticator, type SoftAuthenticator } from '../support/soft-authenticator.ts';
import { ceremony, followToRp, interactionPath, loginPage, pscUntilNextStep } from '../support/key-journey.ts';
import { assertHealthy, assertJsonAnswer, base64urlish, hostileString, percentGarbage, runFuzz, send } from './checks.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { createCredentialRepository } from '../../src/webauthn/index.ts';
import { CONSUMED_ON_REFUSAL, stateChanges, stateProbe, type StateProbe } from './state.ts';

let stack: Stack;
let probe: StateProbe;
/** A key enrolled for KEY_OWNER (sign-in and second factor); a new key for the enrolment stage. */
let enrolledKey: SoftAuthenticator;
let freshKey: SoftAuthenticator;
const KEY_OWNER = '810102345672';
/** A clinician without a key (offered enrolment after PSC). */
const NEWCOMER = '899700427885';

beforeAll(async () => {
  stack = await startStack({
    name: 'fuzz-webauthn',
    overrides: { 'limits.enabled': false },
    clientOverrides: { 'third-party-rp': { key_after_ecps: true, first_party: true } },
  });
  probe = await stateProbe(stack.prefix);
  enrolledKey = createSoftAuthenticator();
  freshKey = createSoftAuthenticator({ alg: 'EdDSA', attestation: 'packed' });
  const browser = new TestBrowser();
  const { page } = await pscUntilNextStep(stack, browser, { practitioner: KEY_OWNER, means: 'card' });
  const { verify } = await ceremony(browser, stack, interactionPath(page!), 'enrol', enrolledKey, { name: 'Clé du fuzz' });
  await followToRp(browser, stack, verify);
});
afterAll(async () => {
  await probe.close();
  await stack.close();
});

/** Where a live interaction stands: its login page, the enrolment offer, the second factor after e-CPS. */
const STAGES = ['login', 'enrol', 'second-factor'] as const;
type Stage = (typeof STAGES)[number];
const CEREMONIES = ['webauthn', 'enrol', 'second-factor'] as const;
type Ceremony = (typeof CEREMONIES)[number];

interface Live {
  base: string;
  browser: TestBrowser;
  /** The CSRF token of the interaction's page, sent as the pages' script would (x-csrf-token). */
  csrf: string;
}
const live = new Map<Stage, Live>();

async function liveInteraction(stage: Stage): Promise<Live> {
  const existing = live.get(stage);
  if (existing) return existing;
  const browser = new TestBrowser();
  let page: Page | undefined;
  if (stage === 'login') {
    page = (await loginPage(stack, browser)).page;
  } else if (stage === 'enrol') {
    page = (await pscUntilNextStep(stack, browser, { practitioner: NEWCOMER, means: 'card' })).page;
    assert.match(page?.url ?? '', /\/enrol$/);
    freshKey = createSoftAuthenticator({ alg: 'EdDSA', attestation: 'packed' });
  } else {
    page = (await pscUntilNextStep(stack, browser, { practitioner: KEY_OWNER, means: 'ecps' }, { clientId: 'third-party-rp' })).page;
    assert.match(page?.url ?? '', /\/second-factor$/);
  }
  const created = { base: interactionPath(page!), browser, csrf: page!.doc.querySelector('input[name="_csrf"]')?.getAttribute('value') ?? '' };
  live.set(stage, created);
  return created;
}

const credentials = () => createCredentialRepository(stack.store, createKeyNames(stack.prefix));

// ---------------------------------------------------------------- bodies

/** A value of the right kind most of the time, of any JSON type sometimes. */
const field = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: arb as fc.Arbitrary<unknown>, weight: 5 }, { arbitrary: fc.jsonValue() as fc.Arbitrary<unknown>, weight: 1 });

const clientData = fc
  .record(
    {
      type: fc.oneof(fc.constantFrom('webauthn.get', 'webauthn.create'), hostileString),
      challenge: base64urlish,
      origin: fc.oneof(fc.constant('ISSUER'), fc.constantFrom('https://evil.example', 'null', ''), hostileString),
      crossOrigin: fc.oneof(fc.boolean(), fc.jsonValue()),
      tokenBinding: fc.jsonValue(),
    },
    { requiredKeys: [] },
  )
  .map((c) => Buffer.from(JSON.stringify(c).replace('"ISSUER"', JSON.stringify(stack.issuer))).toString('base64url'));

/** An object shaped like a registration or authentication response, fields random or of a wrong type. */
const shapedResponse = fc.record(
  {
    id: field(fc.oneof(base64urlish, fc.constant('REAL_ID'))),
    rawId: field(fc.oneof(base64urlish, fc.constant('REAL_ID'))),
    type: field(fc.constantFrom('public-key', 'x', '')),
    response: field(
      fc.record(
        {
          clientDataJSON: field(fc.oneof(base64urlish, clientData)),
          authenticatorData: field(base64urlish),
          signature: field(base64urlish),
          userHandle: field(fc.option(base64urlish)),
          attestationObject: field(base64urlish),
          transports: field(fc.array(fc.constantFrom('usb', 'nfc', 'ble', 'internal', 'hybrid', 'smart-card', 'x'), { maxLength: 4 })),
          publicKeyAlgorithm: field(fc.integer()),
          publicKey: field(base64urlish),
        },
        { requiredKeys: [] },
      ),
    ),
    clientExtensionResults: field(fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue(), { maxKeys: 3 })),
    authenticatorAttachment: field(fc.constantFrom('platform', 'cross-platform')),
  },
  { requiredKeys: [] },
);

/** A change to a real answer: a field (by path) removed, replaced, or with one byte flipped. */
const RESPONSE_PATHS = [
  'id',
  'rawId',
  'type',
  'response',
  'response.clientDataJSON',
  'response.authenticatorData',
  'response.signature',
  'response.userHandle',
  'response.attestationObject',
  'response.transports',
  'clientExtensionResults',
  'authenticatorAttachment',
] as const;
type Tamper =
  | { path: (typeof RESPONSE_PATHS)[number]; how: 'delete' }
  | { path: (typeof RESPONSE_PATHS)[number]; how: 'replace'; value: unknown }
  | { path: (typeof RESPONSE_PATHS)[number]; how: 'flip'; at: number; bit: number };
const tamper: fc.Arbitrary<Tamper> = fc.oneof(
  fc.record({ path: fc.constantFrom(...RESPONSE_PATHS), how: fc.constant<'delete'>('delete') }),
  fc.record({ path: fc.constantFrom(...RESPONSE_PATHS), how: fc.constant<'replace'>('replace'), value: fc.oneof(base64urlish, fc.jsonValue()) }),
  fc.record({ path: fc.constantFrom(...RESPONSE_PATHS), how: fc.constant<'flip'>('flip'), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
);

function applyTamper(response: Record<string, unknown>, t: Tamper): Record<string, unknown> {
  const copy = structuredClone(response) as Record<string, unknown>;
  const [first, second] = t.path.split('.') as [string, string | undefined];
  const holder = (second ? copy[first] : copy) as Record<string, unknown> | undefined;
  const key = second ?? first;
  if (!holder || typeof holder !== 'object') return copy;
  if (t.how === 'delete') delete holder[key];
  else if (t.how === 'replace') holder[key] = t.value;
  else if (typeof holder[key] === 'string') {
    const bytes = Buffer.from(holder[key], 'base64url');
    if (bytes.length) bytes[t.at % bytes.length]! ^= 1 << t.bit;
    holder[key] = bytes.toString('base64url');
  }
  return copy;
}

type Body =
  | { kind: 'json'; value: unknown }
  | { kind: 'shaped'; response: unknown; name?: unknown }
  | { kind: 'tampered'; tamper: Tamper; name?: unknown }
  | { kind: 'raw'; text: string; contentType: string };

const body: fc.Arbitrary<Body> = fc.oneof(
  { arbitrary: fc.jsonValue().map((value): Body => ({ kind: 'json', value })), weight: 2 },
  {
    arbitrary: fc
      .record({ response: shapedResponse, name: fc.option(fc.oneof(hostileString, fc.jsonValue()), { nil: undefined }) })
      .map((b): Body => ({ kind: 'shaped', ...b })),
    weight: 4,
  },
  {
    arbitrary: fc
      .record({ tamper, name: fc.option(fc.oneof(hostileString, fc.jsonValue()), { nil: undefined }) })
      .map((b): Body => ({ kind: 'tampered', ...b })),
    weight: 4,
  },
  {
    arbitrary: fc
      .record({
        text: fc.oneof(
          percentGarbage,
          fc.constantFrom('{"response":', '{', '[', '"', 'null', '{"response":{"id":"a"}}'.padEnd(20_000, ' '), `{"response":"${'z'.repeat(40_000)}"}`),
          fc.string({ unit: 'binary', maxLength: 60 }),
        ),
        contentType: fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'application/json; charset=utf-16',
          'application/json; charset=koi8-r',
          'text/plain',
          'application/x-www-form-urlencoded',
          '',
        ),
      })
      .map((b): Body => ({ kind: 'raw', ...b })),
    weight: 2,
  },
);

/** What the key answers to the options it got (register for enrolment, authenticate otherwise). */
function realAnswer(step: Ceremony, options: unknown): Record<string, unknown> | undefined {
  try {
    const context = { origin: stack.issuer };
    const answer = step === 'enrol' ? freshKey.register(options as never, context) : enrolledKey.authenticate(options as never, context);
    return answer as unknown as Record<string, unknown>;
  } catch {
    return undefined; // the authenticator refused (e.g. none of its credentials is allowed)
  }
}

interface Target {
  stage: Stage;
  step: Ceremony;
  action: 'options' | 'verify';
  withChallenge: boolean;
  body: Body;
}

async function fuzzCeremony({ stage, step, action, withChallenge, body: b }: Target): Promise<void> {
  const { base, browser, csrf } = await liveInteraction(stage);
  const cookie = await browser.jar.getCookieString(`${stack.issuer}${base}/${step}/${action}`);
  const headers = { accept: 'application/json', cookie, 'x-csrf-token': csrf };
  let options: unknown;
  if (withChallenge || b.kind === 'tampered') {
    const answer = await send(`${stack.issuer}${base}/${step}/options`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: '{}',
    });
    assertJsonAnswer(answer, `${stage}: POST ${step}/options`);
    options = answer.status === 200 ? answer.json : undefined;
  }
  let text: string;
  let contentType = 'application/json';
  if (b.kind === 'json') text = JSON.stringify(b.value);
  else if (b.kind === 'shaped')
    text = JSON.stringify({ response: b.response, name: b.name }).replaceAll('"REAL_ID"', JSON.stringify(enrolledKey.credentials[0]?.id ?? ''));
  else if (b.kind === 'tampered') {
    const real = options === undefined ? undefined : realAnswer(step, options);
    text = JSON.stringify({ response: real ? applyTamper(real, b.tamper) : b.tamper, name: b.name });
  } else {
    text = b.text;
    contentType = b.contentType;
  }
  const context = `${stage}: POST ${step}/${action} (challenge ${withChallenge}, ${b.kind}) ${text.slice(0, 400)}`;

  const before = await probe.snapshot();
  const answer = await send(`${stack.issuer}${base}/${step}/${action}`, {
    method: 'POST',
    headers: { ...headers, ...(contentType ? { 'content-type': contentType } : {}) },
    body: text,
  });
  assertJsonAnswer(answer, context);
  // The application asked for one of the clinician's keys after e-CPS: enrolling a new key
  // there must not finish the login (nor give whoever holds the e-CPS a key of the account).
  assert.ok(
    !(stage === 'second-factor' && step === 'enrol' && action === 'verify' && answer.status < 400),
    `${context}: a login waiting for its second factor was finished by enrolling a new key (status ${answer.status})`,
  );
  if (answer.status >= 400) {
    assert.deepEqual(
      stateChanges(before, await probe.snapshot(), { consumed: [CONSUMED_ON_REFUSAL.ceremonyChallenge] }),
      [],
      `${context}: a refused request changes nothing but the challenge it consumed (status ${answer.status})`,
    );
  } else if (action === 'verify') {
    // A change the checks do not cover (e.g. clientExtensionResults) still verified: this
    // interaction is finished, the next runs get another one.
    assert.equal(typeof (answer.json as { redirectTo?: unknown }).redirectTo, 'string', `${context}: a verified ceremony says where to go`);
    live.delete(stage);
    if (step === 'enrol') {
      // Back to a clinician without a key, so that the next enrolment stage is offered again.
      for (const credential of await credentials().listByAccount(NEWCOMER)) await credentials().revoke(NEWCOMER, credential.id);
    }
  }
}

describe('fuzzing the WebAuthn ceremony endpoints', () => {
  it('options and verify of each ceremony on live interactions: no 5xx, JSON errors, nothing stored on refusal', async () => {
    const target = fc.record({
      stage: fc.constantFrom(...STAGES),
      step: fc.constantFrom(...CEREMONIES),
      action: fc.oneof({ arbitrary: fc.constant<'verify'>('verify'), weight: 4 }, { arbitrary: fc.constant<'options'>('options'), weight: 1 }),
      withChallenge: fc.boolean(),
      body,
    });
    // Found by this property (minimised): a JSON body in a charset other than UTF-8/16/32 is
    // refused with the HTML error page (415) instead of a JSON error.
    const found: Target[][] = [
      [
        {
          stage: 'login',
          step: 'webauthn',
          action: 'verify',
          withChallenge: false,
          body: { kind: 'raw', text: '{}', contentType: 'application/json; charset=latin1' },
        },
      ],
    ];
    await runFuzz(fc.asyncProperty(target, fuzzCeremony), 150, found as Array<[Target]>);
    await assertHealthy(stack);
  });

  it('the matching ceremony of each stage, with its challenge pending and a real answer changed in one place', async () => {
    const matching = fc.constantFrom<[Stage, Ceremony]>(['login', 'webauthn'], ['enrol', 'enrol'], ['second-factor', 'second-factor']);
    const target = fc
      .record({ pair: matching, tamper, name: fc.option(fc.oneof(hostileString, fc.jsonValue()), { nil: undefined }) })
      .map(({ pair: [stage, step], tamper: t, name }): Target => ({
        stage,
        step,
        action: 'verify',
        withChallenge: true,
        body: { kind: 'tampered', tamper: t, name },
      }));
    // Found by the first property (minimised): at the second-factor step, a new key enrolled
    // through …/enrol/options and …/enrol/verify finishes the e-CPS login without the key asked.
    const found: Array<[Target]> = [
      [
        {
          stage: 'second-factor',
          step: 'enrol',
          action: 'verify',
          withChallenge: true,
          body: { kind: 'tampered', tamper: { path: 'clientExtensionResults', how: 'delete' } },
        },
      ],
    ];
    await runFuzz(fc.asyncProperty(target, fuzzCeremony), 100, found);
    await assertHealthy(stack);
  });
});
