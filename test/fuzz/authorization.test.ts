/**
 * Fuzzing GET and POST /auth: a valid authorization request (authorizationRequest) mutated at random —
 * any parameter set to a plausible or hostile value, removed, duplicated, percent-encoding
 * garbage — and raw query strings. For every input: no 5xx; a refusal is the gateway's page
 * or an error sent to the registered redirect_uri, and stores nothing; an accepted request
 * goes only to the gateway's own /interaction/ page, which then answers without a 5xx. A POST
 * is either refused the same way or sent (303) to the GET with exactly its parameters.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from 'node-html-parser';
import { startStack, RP_REDIRECT, type Stack } from '../support/stack.ts';
import { authorizationRequest } from '../support/psc-login.ts';
import {
  applyMutations,
  assertHealthy,
  assertHtmlPage,
  assertHtmlRefusal,
  assertNoServerError,
  base64urlish,
  encodeComponent,
  hostileString,
  parameterMutations,
  parameterName,
  percentGarbage,
  runFuzz,
  send,
  type Answer,
  type ParameterMutation,
} from './checks.ts';
import { stateChanges, stateProbe, type StateProbe } from './state.ts';

let stack: Stack;
let probe: StateProbe;
/** The parameters of one valid authorization request of test-rp, in order. */
let valid: Array<[string, string]>;

beforeAll(async () => {
  stack = await startStack({ name: 'fuzz-auth', overrides: { 'limits.enabled': false } });
  probe = await stateProbe(stack.prefix);
  valid = [...(await authorizationRequest(stack)).url.searchParams];
});
afterAll(async () => {
  await probe.close();
  await stack.close();
});

const PARAMETERS = [
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'acr_values',
  'max_age',
  'prompt',
  'claims',
  'request',
  'request_uri',
  'response_mode',
  'login_hint',
  'id_token_hint',
  'ui_locales',
  'claims_locales',
  'registration',
  'resource',
  'lang',
] as const;

const words = (choices: string[]) =>
  fc
    .subarray(choices)
    .chain((picked) => fc.shuffledSubarray(picked, { minLength: picked.length }))
    .map((w) => w.join(' '));
const jwtLike = fc.tuple(fc.jsonValue(), fc.jsonValue(), base64urlish).map(([header, payload, signature]) =>
  [JSON.stringify(header), JSON.stringify(payload)]
    .map((p) => Buffer.from(p ?? 'null').toString('base64url'))
    .concat(signature)
    .join('.'),
);
const claimRequest = fc.oneof(
  fc.constant(null),
  fc.record({ essential: fc.boolean(), value: fc.jsonValue(), values: fc.array(fc.jsonValue(), { maxLength: 4 }) }, { requiredKeys: [] }),
  fc.jsonValue(),
);
const claimName = fc.oneof(
  fc.constantFrom('acr', 'auth_time', 'sub', 'given_name', 'family_name', 'email', 'SubjectRefPro', 'amr', '__proto__'),
  fc.string({ maxLength: 12 }),
);
const claimsParameter = fc.oneof(
  fc
    .record(
      { id_token: fc.dictionary(claimName, claimRequest, { maxKeys: 4 }), userinfo: fc.dictionary(claimName, claimRequest, { maxKeys: 4 }) },
      { requiredKeys: [] },
    )
    .map((c) => JSON.stringify(c)),
  fc.json(),
  fc.constantFrom(
    '{',
    '{"id_token":',
    '{"id_token":{"acr":{"essential":true,"values":["eidas3","eidas9"]}}}',
    '{"userinfo":{"email":{"essential":true}}}',
    '{"id_token":{"acr":{"value":"eidas1"}}}',
    'null',
    '[]',
    '"x"',
    '{"id_token":null}',
    '{"__proto__":{"x":1}}',
  ),
);

/** Values a relying party (or an attacker) could plausibly send for each parameter. */
const PLAUSIBLE: Record<(typeof PARAMETERS)[number], fc.Arbitrary<string>> = {
  client_id: fc.constantFrom('test-rp', 'third-party-rp', 'jwt-userinfo-rp', 'nobody', 'TEST-RP', 'test-rp ', 'hospiconnect-portal'),
  redirect_uri: fc.constantFrom(
    RP_REDIRECT,
    `${RP_REDIRECT}/`,
    `${RP_REDIRECT}?x=1`,
    `${RP_REDIRECT}#f`,
    'http://127.0.0.1:9/CB',
    'http://127.0.0.1:9/other',
    'https://evil.example/cb',
    'javascript:alert(1)',
    '//evil.example/cb',
    'http://127.0.0.1:9@evil.example/cb',
    'http://localhost/interaction/x',
  ),
  response_type: words(['code', 'token', 'id_token', 'none']),
  scope: words(['openid', 'profile', 'scope_all', 'email', 'offline_access', 'rpps', 'unknown']),
  state: fc.string({ maxLength: 40 }),
  nonce: fc.string({ maxLength: 40 }),
  code_challenge: fc.oneof(
    fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64url')),
    base64urlish,
  ),
  code_challenge_method: fc.constantFrom('S256', 'plain', 'S512', 's256', '', 'none'),
  acr_values: words(['eidas1', 'eidas2', 'eidas3', 'eidas9', 'urn:x']),
  max_age: fc.oneof(fc.integer({ min: -10, max: 2 ** 40 }).map(String), fc.constantFrom('0', '1.5', '1e3', '-0', ' 5', '0x10', '9'.repeat(40))),
  prompt: words(['none', 'login', 'consent', 'select_account', 'create']),
  claims: claimsParameter,
  request: fc.oneof(jwtLike, fc.constantFrom('a.b.c', 'eyJhbGciOiJub25lIn0.e30.', '...')),
  request_uri: fc.constantFrom('urn:ietf:params:oauth:request_uri:x', 'http://127.0.0.1:9/request', 'https://evil.example/r'),
  response_mode: fc.constantFrom('query', 'fragment', 'form_post', 'jwt', 'query.jwt', 'web_message', 'form_post.jwt'),
  login_hint: fc.string({ maxLength: 20 }),
  id_token_hint: jwtLike,
  ui_locales: words(['fr', 'en', 'xx', 'fr-FR']),
  claims_locales: words(['fr', 'en']),
  registration: fc.json(),
  resource: fc.constantFrom('http://127.0.0.1:9/api', 'urn:x', 'not a uri'),
  lang: fc.constantFrom('fr', 'en', 'de', ''),
};

type Mutation = ParameterMutation | { kind: 'raw'; fragment: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(...parameterMutations(PARAMETERS, PLAUSIBLE, { set: 6, delete: 2, duplicate: 2 }), {
  arbitrary: percentGarbage.map((fragment): Mutation => ({ kind: 'raw', fragment })),
  weight: 1,
});

/** The query string of the valid request with the mutations applied (raw fragments appended as they are). */
function mutatedQuery(mutations: Mutation[]): string {
  const params = applyMutations(
    valid,
    mutations.filter((m): m is ParameterMutation => m.kind !== 'raw'),
  );
  const raw = mutations.flatMap((m) => (m.kind === 'raw' ? [m.fragment] : []));
  return [...params.map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`), ...raw].join('&');
}

const isRpRedirect = (url: URL) => `${url.origin}${url.pathname}` === RP_REDIRECT;

/** An error for the relying party at its redirect_uri, in the query or the fragment. */
function rpError(url: URL): string | null {
  return url.searchParams.get('error') ?? new URLSearchParams(url.hash.slice(1)).get('error');
}

/**
 * Checks one answer of /auth; returns whether the request was refused (nothing may have been
 * stored) or accepted (an interaction was, and its page was checked).
 */
async function checkAuthorizationAnswer(answer: Answer, context: string): Promise<'refused' | 'accepted'> {
  assertNoServerError(answer, context);
  if (answer.status >= 300 && answer.status < 400) {
    const location = answer.headers.get('location');
    assert.ok(location, `${context}: a redirect has a location`);
    const target = new URL(location, stack.issuer);
    if (isRpRedirect(target)) {
      assert.ok(rpError(target), `${context}: without a session, the relying party only gets an error (got ${target.href})`);
      return 'refused';
    }
    assert.equal(target.origin, stack.issuer, `${context}: redirects only to the registered redirect_uri or the gateway (got ${target.href})`);
    assert.match(target.pathname, /^\/interaction\/[A-Za-z0-9_-]+$/, `${context}: redirects only to the gateway's interaction page (got ${target.href})`);
    // Accepted: the interaction page itself copes with whatever was accepted (claims, acr_values…).
    const cookie = answer.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const page = await send(target.href, { headers: { accept: 'text/html', cookie } });
    assertNoServerError(page, `${context} → ${target.pathname}`);
    if (page.status < 300 || page.status >= 400) assertHtmlPage(page, `${context} → ${target.pathname}`);
    return 'accepted';
  }
  const form = /^text\/html/.test(answer.headers.get('content-type') ?? '') ? parse(answer.body).querySelector('form[method="post"]') : null;
  const formTarget = form ? new URL(form.getAttribute('action') ?? '', stack.issuer) : undefined;
  if (form && formTarget && formTarget.origin !== stack.issuer) {
    // response_mode=form_post: a self-posting form to the registered redirect_uri, with an error.
    assert.ok(isRpRedirect(formTarget), `${context}: form_post only to the registered redirect_uri (got ${formTarget.href})`);
    assert.ok(form.querySelector('input[name="error"]'), `${context}: without a session, the relying party only gets an error`);
    return 'refused';
  }
  assertHtmlRefusal(answer, context);
  return 'refused';
}

async function fuzzAuthorization(query: string): Promise<void> {
  const url = `${stack.issuer}/auth?${query}`;
  const context = `GET /auth?${query.slice(0, 500)}`;
  const before = await probe.snapshot();
  const answer = await send(url, { headers: { accept: 'text/html' } });
  if ((await checkAuthorizationAnswer(answer, context)) === 'refused') {
    assert.deepEqual(stateChanges(before, await probe.snapshot()), [], `${context}: a refused request changes nothing (status ${answer.status})`);
  }
}

describe('fuzzing GET /auth', () => {
  it('mutations of a valid authorization request: no 5xx, refusals structured and stateless, redirects only where allowed', async () => {
    await runFuzz(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 6 }), async (mutations) => {
        await fuzzAuthorization(mutatedQuery(mutations));
      }),
      150,
    );
    await assertHealthy(stack);
  });

  it('raw query strings: any pairs, percent-encoding garbage, many or huge parameters', async () => {
    const pair = fc.tuple(parameterName(PARAMETERS), hostileString).map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`);
    const query = fc.oneof(
      fc.array(fc.oneof({ arbitrary: pair, weight: 3 }, { arbitrary: percentGarbage, weight: 1 }), { maxLength: 12 }).map((parts) => parts.join('&')),
      fc.integer({ min: 60, max: 90 }).map((n) => Array.from({ length: n }, (_, i) => `p${i}=1`).join('&')),
      fc.string({ unit: 'binary', maxLength: 60 }).map((s) => encodeComponent(s).replace(/%3D/g, '=').replace(/%26/g, '&')),
    );
    await runFuzz(
      fc.asyncProperty(query, async (q) => {
        await fuzzAuthorization(q);
      }),
      60,
    );
    await assertHealthy(stack);
  });
});

/**
 * POST /auth with a form body: refused with the gateway's page (nothing stored), or a 303 to
 * GET /auth carrying exactly the body's parameters, whose answer is then checked as a GET's.
 */
async function fuzzAuthorizationPost(body: string, contentType = 'application/x-www-form-urlencoded'): Promise<void> {
  const context = `POST /auth (${contentType}) ${body.slice(0, 500)}`;
  const before = await probe.snapshot();
  const answer = await send(`${stack.issuer}/auth`, { method: 'POST', headers: { accept: 'text/html', 'content-type': contentType }, body });
  assertNoServerError(answer, context);
  if (answer.status !== 303) {
    assertHtmlRefusal(answer, context);
    assert.deepEqual(stateChanges(before, await probe.snapshot()), [], `${context}: a refused request changes nothing (status ${answer.status})`);
    return;
  }
  assert.match(contentType, /^application\/x-www-form-urlencoded\b/, `${context}: only a form body is taken`);
  const target = new URL(answer.headers.get('location') ?? '', stack.issuer);
  assert.equal(target.origin + target.pathname, `${stack.issuer}/auth`, `${context}: sent to GET /auth (got ${target.href})`);
  assert.deepEqual([...target.searchParams], [...new URLSearchParams(body)], `${context}: with exactly the body's parameters`);
  assert.deepEqual(stateChanges(before, await probe.snapshot()), [], `${context}: the POST itself stores nothing`);
  await fuzzAuthorization(target.search.slice(1));
}

describe('fuzzing POST /auth', () => {
  it('mutations of a valid authorization request as a form body, and bodies of other types', async () => {
    const contentType = fc.oneof(
      { arbitrary: fc.constant('application/x-www-form-urlencoded'), weight: 6 },
      {
        arbitrary: fc.constantFrom(
          'application/json',
          'text/plain',
          'multipart/form-data; boundary=x',
          'application/x-www-form-urlencoded; charset=latin1',
          '',
        ),
        weight: 1,
      },
    );
    await runFuzz(
      fc.asyncProperty(fc.array(mutation, { minLength: 0, maxLength: 6 }), contentType, async (mutations, type) => {
        await fuzzAuthorizationPost(mutatedQuery(mutations), type);
      }),
      80,
    );
    await assertHealthy(stack);
  });
});
