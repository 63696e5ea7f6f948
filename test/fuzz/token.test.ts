/**
 * Fuzzing POST /token and POST /request (pushed authorization requests): garbage (any content type, JSON, urlencoded garbage, binary, any
 * Authorization header) and mutations of real requests (a real unused code with its PKCE
 * verifier; a real refresh token) with random parameters and client authentication (Basic
 * garbage, a wrong secret, another client's credentials, client_secret_post, client_assertion
 * garbage). For every input: no 5xx; JSON with a string `error` when refused; a refusal stores
 * nothing (a code or refresh token is only consumed by a request that succeeds; a pushed
 * request is stored only when it is answered 201 with its request_uri).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startStack, RP_REDIRECT, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, signIn } from '../support/psc-login.ts';
import {
  applyMutations,
  assertHealthy,
  assertHtmlRefusal,
  assertJsonAnswer,
  base64urlish,
  formEncode,
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

/** A real authorization code of test-rp, not redeemed yet, with what redeeming it needs. */
interface CodeMaterial {
  code: string;
  verifier: string;
}
let codeMaterial: CodeMaterial;
/** A real refresh token of test-rp, not used yet. */
let refreshToken: string;

async function freshCode(): Promise<CodeMaterial> {
  const signedIn = await signIn(stack, new TestBrowser());
  return { code: signedIn.callback.searchParams.get('code')!, verifier: signedIn.checks.pkceCodeVerifier };
}

async function freshRefreshToken(): Promise<string> {
  const tokens = await exchange(await signIn(stack, new TestBrowser()));
  assert.ok(tokens.refresh_token);
  return tokens.refresh_token;
}

beforeAll(async () => {
  stack = await startStack({ name: 'fuzz-token', overrides: { 'limits.enabled': false } });
  probe = await stateProbe(stack.prefix);
  codeMaterial = await freshCode();
  refreshToken = await freshRefreshToken();
});
afterAll(async () => {
  await probe.close();
  await stack.close();
});

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** A header value fetch accepts (a ByteString without CR, LF or NUL). */
const headerSafe = fc.string({
  unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09)).map((c) => String.fromCharCode(c)),
  maxLength: 60,
});

const PARAMETERS = [
  'grant_type',
  'code',
  'redirect_uri',
  'code_verifier',
  'refresh_token',
  'scope',
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
  'resource',
  'audience',
  'username',
  'password',
  'device_code',
] as const;

const jwtLike = fc.tuple(fc.jsonValue(), fc.jsonValue(), base64urlish).map(([header, payload, signature]) =>
  [JSON.stringify(header), JSON.stringify(payload)]
    .map((p) => Buffer.from(p ?? 'null').toString('base64url'))
    .concat(signature)
    .join('.'),
);

const PLAUSIBLE: Record<(typeof PARAMETERS)[number], fc.Arbitrary<string>> = {
  grant_type: fc.constantFrom(
    'authorization_code',
    'refresh_token',
    'client_credentials',
    'password',
    'implicit',
    'urn:ietf:params:oauth:grant-type:device_code',
    'urn:ietf:params:oauth:grant-type:jwt-bearer',
    'urn:openid:params:grant-type:ciba',
    'AUTHORIZATION_CODE',
    '',
  ),
  code: fc.oneof(base64urlish, fc.constantFrom('forged', '')),
  redirect_uri: fc.constantFrom(RP_REDIRECT, `${RP_REDIRECT}/`, 'http://127.0.0.1:9/other', 'https://evil.example/cb', ''),
  code_verifier: fc.oneof(base64urlish, fc.string({ minLength: 43, maxLength: 128 })),
  refresh_token: fc.oneof(base64urlish, fc.constantFrom('', 'x')),
  scope: fc.constantFrom('openid', 'openid profile', 'openid offline_access', 'scope_all', 'admin', ''),
  client_id: fc.constantFrom('test-rp', 'third-party-rp', 'jwt-userinfo-rp', 'hospiconnect-portal', 'nobody', ''),
  client_secret: fc.string({ maxLength: 40 }),
  client_assertion: jwtLike,
  client_assertion_type: fc.constantFrom('urn:ietf:params:oauth:client-assertion-type:jwt-bearer', 'urn:x', ''),
  resource: fc.constantFrom('http://127.0.0.1:9/api', 'urn:x', 'not a uri'),
  audience: fc.string({ maxLength: 20 }),
  username: fc.string({ maxLength: 20 }),
  password: fc.string({ maxLength: 20 }),
  device_code: base64urlish,
};

const mutation: fc.Arbitrary<ParameterMutation> = fc.oneof(...parameterMutations(PARAMETERS, PLAUSIBLE, { set: 5, delete: 2, duplicate: 1 }));

/** How the client authenticates (or pretends to). */
type ClientAuth =
  | { kind: 'basic' }
  | { kind: 'basic-wrong-secret'; secret: string }
  | { kind: 'basic-other-client' }
  | { kind: 'basic-garbage'; value: string }
  | { kind: 'authorization-header'; value: string }
  | { kind: 'post'; id: string; secret: 'right' | string }
  | { kind: 'assertion'; type: string; assertion: string }
  | { kind: 'none' };

const clientAuth: fc.Arbitrary<ClientAuth> = fc.oneof(
  { arbitrary: fc.constant<ClientAuth>({ kind: 'basic' }), weight: 4 },
  { arbitrary: fc.string({ maxLength: 40 }).map((secret): ClientAuth => ({ kind: 'basic-wrong-secret', secret })), weight: 1 },
  { arbitrary: fc.constant<ClientAuth>({ kind: 'basic-other-client' }), weight: 1 },
  {
    arbitrary: fc
      .oneof(
        fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('base64')),
        fc.tuple(hostileString, hostileString).map(([id, secret]) => Buffer.from(`${id}:${secret}`).toString('base64')),
        fc.tuple(headerSafe, headerSafe).map(([id, secret]) => Buffer.from(`${id}:${secret}`, 'latin1').toString('base64')),
        headerSafe,
        fc.constantFrom('', '=', '====', 'Og==', 'dGVzdC1ycA==', '%%%'),
      )
      .map((value): ClientAuth => ({ kind: 'basic-garbage', value })),
    weight: 2,
  },
  { arbitrary: headerSafe.map((value): ClientAuth => ({ kind: 'authorization-header', value })), weight: 1 },
  {
    arbitrary: fc.tuple(PLAUSIBLE.client_id, fc.oneof(fc.constant('right'), hostileString)).map(([id, secret]): ClientAuth => ({ kind: 'post', id, secret })),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(PLAUSIBLE.client_assertion_type, fc.oneof(jwtLike, hostileString))
      .map(([type, assertion]): ClientAuth => ({ kind: 'assertion', type, assertion })),
    weight: 1,
  },
  { arbitrary: fc.constant<ClientAuth>({ kind: 'none' }), weight: 1 },
);

/** How the body is sent: the content type and its encoding of the parameters. */
const ENCODINGS = ['form', 'form', 'form', 'json', 'text', 'multipart', 'form-charset', 'no-content-type'] as const;
type Encoding = (typeof ENCODINGS)[number];

function encode(params: Array<[string, string]>, encoding: Encoding): { headers: Record<string, string>; body: string } {
  switch (encoding) {
    case 'json':
      return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(Object.fromEntries(params)) };
    case 'text':
      return { headers: { 'content-type': 'text/plain' }, body: formEncode(params) };
    case 'multipart':
      return {
        headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
        body: `${params.map(([k, v]) => `--XyZ\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('')}--XyZ--\r\n`,
      };
    case 'form-charset':
      return { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-1' }, body: formEncode(params) };
    case 'no-content-type':
      return { headers: {}, body: formEncode(params) };
    default:
      return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: formEncode(params) };
  }
}

function authorize(auth: ClientAuth, params: Array<[string, string]>): Record<string, string> {
  switch (auth.kind) {
    case 'basic':
      return { authorization: basic('test-rp', stack.secrets['test-rp']!) };
    case 'basic-wrong-secret':
      return { authorization: basic('test-rp', auth.secret === stack.secrets['test-rp'] ? `${auth.secret}x` : auth.secret) };
    case 'basic-other-client':
      return { authorization: basic('third-party-rp', stack.secrets['third-party-rp']!) };
    case 'basic-garbage':
      return { authorization: `Basic ${auth.value}` };
    case 'authorization-header':
      return { authorization: auth.value };
    case 'post':
      params.push(['client_id', auth.id], ['client_secret', auth.secret === 'right' ? (stack.secrets[auth.id as keyof Stack['secrets']] ?? '') : auth.secret]);
      return {};
    case 'assertion':
      params.push(['client_id', 'test-rp'], ['client_assertion_type', auth.type], ['client_assertion', auth.assertion]);
      return {};
    default:
      return {};
  }
}

/**
 * Checks one answer of /token; a refusal must have stored nothing. JSON, except that a client
 * preferring HTML (Accept: text/html) gets the gateway's error page: oidc-provider negotiates
 * the error format of every endpoint (shared/error_handler.js, renderError in oidc/pages.ts).
 */
async function checkTokenAnswer(
  before: Awaited<ReturnType<StateProbe['snapshot']>>,
  answer: Answer,
  context: string,
  accept: string | undefined,
): Promise<void> {
  if (/^text\/html/.test(answer.headers.get('content-type') ?? '') && /text\/html/.test(accept ?? '')) assertHtmlRefusal(answer, context);
  else assertJsonAnswer(answer, context);
  if (answer.status >= 400) {
    assert.deepEqual(stateChanges(before, await probe.snapshot()), [], `${context}: a refused request changes nothing (status ${answer.status})`);
  } else {
    assert.equal(answer.status, 200, `${context}: success is 200`);
    assert.equal(typeof (answer.json as { access_token?: unknown }).access_token, 'string', `${context}: success issues an access token`);
  }
}

describe('fuzzing POST /token', () => {
  it('garbage: any content type, body and Authorization header', async () => {
    const contentType = fc.oneof(
      fc.constantFrom(
        'application/x-www-form-urlencoded',
        'application/json',
        'text/plain',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
        'application/x-www-form-urlencoded; charset=utf-16',
        'application/jwt',
        '',
      ),
      headerSafe,
    );
    const body = fc.oneof(
      fc.array(fc.tuple(parameterName(PARAMETERS), hostileString), { maxLength: 8 }).map((pairs) => formEncode(pairs)),
      fc
        .array(
          fc.oneof(
            percentGarbage,
            fc.tuple(parameterName(PARAMETERS), hostileString).map(([k, v]) => formEncode([[k, v]])),
          ),
          { maxLength: 8 },
        )
        .map((parts) => parts.join('&')),
      fc.json(),
      fc.jsonValue().map((v) => JSON.stringify({ grant_type: v, code: v })),
      fc.uint8Array({ maxLength: 300 }),
      fc.constantFrom('', '{', '[]', 'null', 'grant_type=authorization_code&grant_type=refresh_token', 'a'.repeat(70_000)),
    );
    const headers = fc.record(
      {
        authorization: fc.option(
          fc.oneof(
            headerSafe,
            headerSafe.map((v) => `Basic ${v}`),
            fc.constant(basic('test-rp', 'nope')),
          ),
          { nil: undefined },
        ),
        'content-type': fc.option(contentType, { nil: undefined }),
        'content-encoding': fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x'), { freq: 8, nil: undefined }),
        accept: fc.option(fc.constantFrom('text/html', 'application/json', '*/*', 'x'), { nil: undefined }),
      },
      { requiredKeys: [] },
    );
    await runFuzz(
      fc.asyncProperty(headers, body, async (h, b) => {
        const defined = Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>;
        const context = `POST /token ${JSON.stringify(defined)} ${typeof b === 'string' ? b.slice(0, 300) : `<${b.length} bytes>`}`;
        const before = await probe.snapshot();
        const answer = await send(`${stack.issuer}/token`, { method: 'POST', headers: defined, body: b });
        await checkTokenAnswer(before, answer, context, defined.accept);
      }),
      100,
    );
    await assertHealthy(stack);
  });

  it('mutations of real requests: a real unused code, a real refresh token, random parameters and client authentication', async () => {
    const input = fc.record({
      base: fc.constantFrom('authorization_code', 'refresh_token', 'empty'),
      mutations: fc.array(mutation, { maxLength: 4 }),
      auth: clientAuth,
      encoding: fc.constantFrom(...ENCODINGS),
    });
    type Input = typeof input extends fc.Arbitrary<infer T> ? T : never;
    // Found by this property (minimised): a `resource` parameter (any value) on an otherwise
    // valid request is refused with invalid_target only after oidc-provider consumed the code
    // or rotated the refresh token, so the client's retry is a replay and revokes the grant.
    const found: Array<[Input]> = [
      [{ base: 'authorization_code', mutations: [{ kind: 'set', name: 'resource', value: 'urn:x' }], auth: { kind: 'basic' }, encoding: 'form' }],
      [{ base: 'refresh_token', mutations: [{ kind: 'set', name: 'resource', value: 'urn:x' }], auth: { kind: 'basic' }, encoding: 'form' }],
    ];
    await runFuzz(
      fc.asyncProperty(input, async ({ base, mutations, auth, encoding }) => {
        const real: Array<[string, string]> =
          base === 'authorization_code'
            ? [
                ['grant_type', 'authorization_code'],
                ['code', codeMaterial.code],
                ['redirect_uri', RP_REDIRECT],
                ['code_verifier', codeMaterial.verifier],
              ]
            : base === 'refresh_token'
              ? [
                  ['grant_type', 'refresh_token'],
                  ['refresh_token', refreshToken],
                ]
              : [];
        const params = applyMutations(real, mutations);
        const authHeaders = authorize(auth, params);
        const { headers, body } = encode(params, encoding);
        const context = `POST /token (${base}, ${auth.kind}, ${encoding}) ${JSON.stringify(mutations).slice(0, 400)}`;
        const before = await probe.snapshot();
        const answer = await send(`${stack.issuer}/token`, { method: 'POST', headers: { ...headers, ...authHeaders }, body });
        await checkTokenAnswer(before, answer, context, undefined);
        // What succeeded consumed the real code or refresh token: the next runs get a fresh one.
        if (answer.status === 200 && base === 'authorization_code') codeMaterial = await freshCode();
        if (answer.status === 200 && base === 'refresh_token') refreshToken = await freshRefreshToken();
      }),
      120,
      found,
    );
    await assertHealthy(stack);
  });
});

/** The authorization parameters a pushed request may carry, and values for them. */
const PAR_PARAMETERS = [
  'response_type',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'acr_values',
  'claims',
  'prompt',
  'max_age',
  'request_uri',
  'request',
  'response_mode',
  'login_hint',
  'client_id',
] as const;
const PAR_PLAUSIBLE: Record<(typeof PAR_PARAMETERS)[number], fc.Arbitrary<string>> = {
  response_type: fc.constantFrom('code', 'token', 'code id_token', 'none', ''),
  redirect_uri: PLAUSIBLE.redirect_uri,
  scope: PLAUSIBLE.scope,
  state: fc.string({ maxLength: 40 }),
  nonce: fc.string({ maxLength: 40 }),
  code_challenge: fc.oneof(
    fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64url')),
    base64urlish,
  ),
  code_challenge_method: fc.constantFrom('S256', 'plain', ''),
  acr_values: fc.constantFrom('eidas1', 'eidas3', 'phr', 'eidas9', ''),
  claims: fc.oneof(fc.json(), fc.constantFrom('{"id_token":{"acr":{"essential":true,"values":["eidas1"]}}}', '{', 'null')),
  prompt: fc.constantFrom('none', 'login', 'consent', 'x'),
  max_age: fc.constantFrom('0', '-1', '1e3', 'x'),
  request_uri: fc.constantFrom('urn:ietf:params:oauth:request_uri:x', 'https://evil.example/r'),
  request: jwtLike,
  response_mode: fc.constantFrom('query', 'fragment', 'form_post', 'jwt'),
  login_hint: fc.string({ maxLength: 20 }),
  client_id: PLAUSIBLE.client_id,
};
const parMutation: fc.Arbitrary<ParameterMutation> = fc.oneof(...parameterMutations(PAR_PARAMETERS, PAR_PLAUSIBLE, { set: 5, delete: 2, duplicate: 1 }));

describe('fuzzing POST /request (PAR)', () => {
  it('mutations of a valid pushed request, random client authentication and encodings: JSON answers, a refusal stores nothing', async () => {
    const input = fc.record({ mutations: fc.array(parMutation, { maxLength: 4 }), auth: clientAuth, encoding: fc.constantFrom(...ENCODINGS) });
    await runFuzz(
      fc.asyncProperty(input, async ({ mutations, auth, encoding }) => {
        const valid: Array<[string, string]> = [
          ['response_type', 'code'],
          ['redirect_uri', RP_REDIRECT],
          ['scope', 'openid'],
          ['state', 'st-fuzz-par'],
          ['nonce', 'n-fuzz-par'],
          ['code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'],
          ['code_challenge_method', 'S256'],
        ];
        const params = applyMutations(valid, mutations);
        const authHeaders = authorize(auth, params);
        const { headers, body } = encode(params, encoding);
        const context = `POST /request (${auth.kind}, ${encoding}) ${JSON.stringify(mutations).slice(0, 400)}`;
        const before = await probe.snapshot();
        const answer = await send(`${stack.issuer}/request`, { method: 'POST', headers: { ...headers, ...authHeaders }, body });
        assertJsonAnswer(answer, context);
        if (answer.status >= 400) {
          assert.deepEqual(stateChanges(before, await probe.snapshot()), [], `${context}: a refused request changes nothing (status ${answer.status})`);
        } else {
          assert.equal(answer.status, 201, `${context}: success is 201`);
          assert.match(
            String((answer.json as { request_uri?: unknown }).request_uri),
            /^urn:ietf:params:oauth:request_uri:/,
            `${context}: success gives a request_uri`,
          );
        }
      }),
      120,
    );
    await assertHealthy(stack);
  });
});
