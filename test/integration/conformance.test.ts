/**
 * Checks named after the OpenID conformance suite (oidcc-*): code reuse, redirect_uri
 * mismatch, PKCE, nonce and state echo, max_age=0 / prompt=login re-authentication,
 * prompt=none, consent for third-party applications.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import * as client from 'openid-client';
import { calculateJwkThumbprint, exportJWK, SignJWT } from 'jose';
import { startStack, RP_POST_LOGOUT, RP_REDIRECT, type Stack } from '../support/stack.ts';
import { STACK_TRACE } from '../fuzz/checks.ts';
import { dmpClient, pushRequest, signInAt, type DmpClient } from '../support/dmp-client.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import { TestBrowser } from '../support/browser.ts';
import { authorizationRequest, exchange, isRpRedirect, loginAtPsc, signIn } from '../support/psc-login.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'conformance' });
});
afterAll(async () => {
  await stack.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('conformance-style checks', () => {
  it('codereuse: a second use of the code fails and revokes the tokens of the first', async () => {
    const request = await signIn(stack, new TestBrowser());
    const tokens = await exchange(request);
    await assert.rejects(exchange(request), (err: { error?: string }) => err.error === 'invalid_grant');
    const introspected = await client.tokenIntrospection(request.config, tokens.access_token);
    assert.equal(introspected.active, false, 'the access token of the first exchange is revoked');
    await assert.rejects(client.refreshTokenGrant(request.config, tokens.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant');
  });

  it('redirect_uri mismatch: an error page, never a redirect', async () => {
    const request = await authorizationRequest(stack, { params: { redirect_uri: 'https://attacker.example/cb' } });
    const page = await new TestBrowser().request(request.url);
    assert.equal(page.status, 400);
    assert.equal(page.headers.get('location'), null);
    assert.match(page.text, /adresse de retour demandée par l'application n'est pas autorisée/);
    const targets = page.doc.querySelectorAll('a, form').map((e) => new URL(e.getAttribute('href') ?? e.getAttribute('action') ?? '', stack.issuer).host);
    assert.ok(!targets.includes('attacker.example'), 'no link or form leads to the unregistered address');
  });

  it('missing PKCE: the request is refused with invalid_request', async () => {
    const config = await stack.rp();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: RP_REDIRECT, scope: 'openid', state: 'st-12345678' });
    const result = await new TestBrowser().follow(url, {}, { stopAt: isRpRedirect });
    assert.equal(result.stoppedAt?.searchParams.get('error'), 'invalid_request');
    assert.match(result.stoppedAt?.searchParams.get('error_description') ?? '', /PKCE/i);
    assert.equal(result.stoppedAt?.searchParams.get('state'), 'st-12345678');
  });

  it('plain PKCE method is refused', async () => {
    const config = await stack.rp();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: RP_REDIRECT,
      scope: 'openid',
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'plain',
    });
    const result = await new TestBrowser().follow(url, {}, { stopAt: isRpRedirect });
    assert.equal(result.stoppedAt?.searchParams.get('error'), 'invalid_request');
  });

  it('wrong PKCE verifier: invalid_grant at the token endpoint', async () => {
    const request = await signIn(stack, new TestBrowser());
    await assert.rejects(
      client.authorizationCodeGrant(request.config, request.callback, { ...request.checks, pkceCodeVerifier: client.randomPKCECodeVerifier() }),
      (err: { error?: string }) => err.error === 'invalid_grant',
    );
  });

  it('missing PKCE verifier: invalid_grant', async () => {
    const request = await signIn(stack, new TestBrowser());
    const code = request.callback.searchParams.get('code')!;
    const response = await fetch(`${stack.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`test-rp:${stack.secrets['test-rp']}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: RP_REDIRECT }),
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_grant');
  });

  it('nonce and state are echoed', async () => {
    const request = await signIn(stack, new TestBrowser());
    assert.equal(request.callback.searchParams.get('state'), request.checks.expectedState);
    assert.equal(request.callback.searchParams.get('iss'), stack.issuer);
    const tokens = await exchange(request);
    assert.equal(tokens.claims()!.nonce, request.checks.expectedNonce);
  });

  it('max_age=0 and prompt=login force a new sign-in with a new auth_time', async () => {
    const browser = new TestBrowser();
    const first = await exchange(await signIn(stack, browser));
    const sso = await signIn(stack, browser);
    assert.equal(sso.sawLoginPage, false, 'single sign-on without parameters');
    await sleep(1100);
    for (const params of [{ max_age: '0' }, { prompt: 'login' }] as Array<Record<string, string>>) {
      const again = await signIn(stack, browser, { params });
      assert.equal(again.sawLoginPage, true, `${JSON.stringify(params)} shows the sign-in page again`);
      const tokens = await exchange(again);
      assert.ok((tokens.claims()!.auth_time as number) > (first.claims()!.auth_time as number));
    }
  });

  it('prompt=none without a session: login_required', async () => {
    const request = await authorizationRequest(stack, { params: { prompt: 'none' } });
    const result = await new TestBrowser().follow(request.url, {}, { stopAt: isRpRedirect });
    assert.equal(result.stoppedAt?.searchParams.get('error'), 'login_required');
    assert.equal(result.stoppedAt?.searchParams.get('state'), request.checks.expectedState);
  });

  it('prompt=none with a session: a code without any page', async () => {
    const browser = new TestBrowser();
    await exchange(await signIn(stack, browser));
    const request = await authorizationRequest(stack, { params: { prompt: 'none' } });
    const result = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    assert.ok(result.stoppedAt?.searchParams.get('code'));
    const tokens = await exchange({ ...request, callback: result.stoppedAt! });
    assert.equal(tokens.claims()!.acr, 'eidas3', 'the session keeps the level it reached');
  });

  it('a third-party application gets a consent page; denying returns access_denied', async () => {
    const browser = new TestBrowser();
    const request = await authorizationRequest(stack, { clientId: 'third-party-rp' });
    const first = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    const consent = await loginAtPsc(browser, first.page!, {});
    assert.equal(consent.page?.status, 200);
    assert.match(consent.page!.text, /Application tierce demande l'accès à votre identité/);
    const denied = await browser.submit(consent.page!, 'form[action$="/abort"]', {}, { stopAt: isRpRedirect });
    assert.equal(denied.stoppedAt?.searchParams.get('error'), 'access_denied');

    const second = await authorizationRequest(stack, { clientId: 'third-party-rp' });
    const page = await browser.follow(second.url, {}, { stopAt: isRpRedirect });
    assert.match(page.page!.text, /demande l'accès/);
    const allowed = await browser.submit(page.page!, 'form[action$="/consent"]', {}, { stopAt: isRpRedirect });
    const tokens = await exchange({ ...second, callback: allowed.stoppedAt! });
    assert.equal(tokens.claims()!.aud, 'third-party-rp');
  });

  it('first-party applications never see a consent page', async () => {
    const browser = new TestBrowser();
    const request = await authorizationRequest(stack);
    const first = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    const done = await loginAtPsc(browser, first.page!, {});
    assert.ok(done.stoppedAt, 'straight back to the application after PSC');
  });
});

/**
 * Issue 17: each check is named after the OIDF conformance test or the RFC clause it shows.
 * One stack whose log lines are kept (what operators see of a refusal).
 */
describe('endpoints as the specs say (OIDC Core, RP-Initiated Logout, RFC 6749, 7009, 7591)', () => {
  let spec: Stack;
  const logs: string[] = [];
  beforeAll(async () => {
    spec = await startStack({ name: 'conformance-spec', logs, clientOverrides: { 'jwt-userinfo-rp': { token_endpoint_auth_method: 'client_secret_post' } } });
  });
  afterAll(async () => {
    await spec.close();
  });

  const basic = (clientId: string) => `Basic ${Buffer.from(`${clientId}:${spec.secrets[clientId as keyof typeof spec.secrets]}`).toString('base64')}`;
  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${spec.issuer}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form),
      redirect: 'manual',
    });

  it('OIDC Core §3.1.2.1 (oidcc-ensure-post-request-succeeds): a POST to the authorization endpoint signs in, single sign-on included', async () => {
    const browser = new TestBrowser();
    const request = await authorizationRequest(spec);
    const params = Object.fromEntries(request.url.searchParams);
    const first = await browser.follow(`${spec.issuer}/auth`, { method: 'POST', form: params }, { stopAt: isRpRedirect });
    assert.equal(first.page?.status, 200, 'the sign-in page');
    const done = await loginAtPsc(browser, first.page!, {});
    assert.ok(done.stoppedAt?.searchParams.get('code'), 'a code for the relying party');
    const tokens = await exchange({ ...request, callback: done.stoppedAt! });
    assert.equal(tokens.claims()!.nonce, request.checks.expectedNonce);

    const again = await authorizationRequest(spec);
    const sso = await browser.follow(`${spec.issuer}/auth`, { method: 'POST', form: Object.fromEntries(again.url.searchParams) }, { stopAt: isRpRedirect });
    assert.ok(sso.stoppedAt?.searchParams.get('code'), 'single sign-on: the session is found after a POST too');
  });

  it('OIDC Core §3.1.2.1: a POST authorization request gets the input limits of a GET one, and stores nothing when refused', async () => {
    const before = await spec.keyCount();
    const tooMany = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`p${i}`, 'x']));
    const crowded = await new TestBrowser().request(`${spec.issuer}/auth`, { method: 'POST', form: { client_id: 'test-rp', ...tooMany } });
    assert.equal(crowded.status, 400);
    assert.match(crowded.headers.get('content-type') ?? '', /text\/html/);
    const long = await new TestBrowser().request(`${spec.issuer}/auth`, { method: 'POST', form: { client_id: 'test-rp', login_hint: 'x'.repeat(5000) } });
    assert.equal(long.status, 400);
    const both = await new TestBrowser().request(`${spec.issuer}/auth?client_id=test-rp`, { method: 'POST', form: { client_id: 'test-rp' } });
    assert.equal(both.status, 400, 'parameters in the URL and in the body: which ones would count?');
    const json = await fetch(`${spec.issuer}/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"client_id":"test-rp"}',
      redirect: 'manual',
    });
    assert.equal(json.status, 400, 'only form-serialised parameters (OIDC Core §3.1.2.1)');
    assert.doesNotMatch(await json.text(), STACK_TRACE);
    assert.equal(await spec.keyCount(), before);
  });

  it('RP-Initiated Logout 1.0 §2: a POST to the end-session endpoint ends the session', async () => {
    const browser = new TestBrowser();
    const request = await signIn(spec, browser);
    const tokens = await exchange(request);
    const confirm = await browser.follow(`${spec.issuer}/session/end`, {
      method: 'POST',
      form: { id_token_hint: tokens.id_token!, post_logout_redirect_uri: RP_POST_LOGOUT, state: 'bye-123456' },
    });
    assert.equal(confirm.page?.status, 200);
    assert.match(confirm.page!.text, /Voulez-vous vous déconnecter/);
    const done = await browser.submit(confirm.page!, 'form#op\\.logoutForm', { logout: 'yes' }, { stopAt: (u) => u.href.startsWith(RP_POST_LOGOUT) });
    assert.equal(done.stoppedAt?.searchParams.get('state'), 'bye-123456');
    const silent = await authorizationRequest(spec, { params: { prompt: 'none' } });
    const after = await browser.follow(silent.url, {}, { stopAt: isRpRedirect });
    assert.equal(after.stoppedAt?.searchParams.get('error'), 'login_required', 'the session is over');
  });

  it('RFC 7591 §2 token_endpoint_auth_method: a client authenticates only the way it registered', async () => {
    // test-rp registered client_secret_basic; jwt-userinfo-rp client_secret_post.
    const asPost = await post('/token/introspection', { token: 'x', client_id: 'test-rp', client_secret: spec.secrets['test-rp']! });
    assert.equal(asPost.status, 401);
    const body = (await asPost.json()) as { error: string; error_description: string };
    assert.equal(body.error, 'invalid_client');
    assert.match(body.error_description, /client_secret_basic/);
    const asBasic = await post('/token/introspection', { token: 'x' }, { authorization: basic('jwt-userinfo-rp') });
    assert.equal(asBasic.status, 401);
    assert.equal(((await asBasic.json()) as { error: string }).error, 'invalid_client');
    assert.match(asBasic.headers.get('www-authenticate') ?? '', /^Basic /, 'a Basic attempt is answered with a Basic challenge');
    const tokenPost = await post('/token', { grant_type: 'refresh_token', refresh_token: 'x', client_id: 'test-rp', client_secret: spec.secrets['test-rp']! });
    assert.equal(tokenPost.status, 401);
    const pushedPost = await post('/request', {
      response_type: 'code',
      redirect_uri: RP_REDIRECT,
      scope: 'openid',
      client_id: 'test-rp',
      client_secret: spec.secrets['test-rp']!,
    });
    assert.equal(pushedPost.status, 401, 'at the PAR endpoint too');
    // The registered ways still work.
    assert.equal((await post('/token/introspection', { token: 'x' }, { authorization: basic('test-rp') })).status, 200);
    assert.equal(
      (await post('/token/introspection', { token: 'x', client_id: 'jwt-userinfo-rp', client_secret: spec.secrets['jwt-userinfo-rp']! })).status,
      200,
    );
  });

  it('RFC 6749 §5.2: a request with no client authentication is invalid_client (401)', async () => {
    for (const [path, form] of [
      ['/token', { grant_type: 'authorization_code', code: 'x', redirect_uri: RP_REDIRECT }],
      ['/token/introspection', { token: 'x' }],
      ['/token/revocation', { token: 'x' }],
      ['/request', { response_type: 'code', redirect_uri: RP_REDIRECT }],
    ] as const) {
      const answer = await post(path, form);
      assert.equal(answer.status, 401, path);
      const body = (await answer.json()) as { error: string; error_description: string };
      assert.equal(body.error, 'invalid_client', path);
      assert.match(body.error_description, /no client authentication/, path);
    }
  });

  it("RFC 7009 §2.1: revoking another client's token is refused and said; the token stays valid", async () => {
    const request = await signIn(spec, new TestBrowser());
    const tokens = await exchange(request);
    const refused = await post('/token/revocation', {
      token: tokens.refresh_token!,
      client_id: 'jwt-userinfo-rp',
      client_secret: spec.secrets['jwt-userinfo-rp']!,
    });
    assert.equal(refused.status, 400);
    const body = (await refused.json()) as { error: string; error_description: string };
    assert.equal(body.error, 'unauthorized_client');
    assert.match(body.error_description, /not issued to this client/);
    const still = await client.tokenIntrospection(request.config, tokens.refresh_token!);
    assert.equal(still.active, true, 'not revoked');
    const unknown = await post('/token/revocation', { token: 'no-such-token' }, { authorization: basic('test-rp') });
    assert.equal(unknown.status, 200, 'an unknown or expired token is still a 200 (RFC 7009 §2.2)');
    const own = await post('/token/revocation', { token: tokens.refresh_token! }, { authorization: basic('test-rp') });
    assert.equal(own.status, 200);
    assert.equal((await client.tokenIntrospection(request.config, tokens.refresh_token!)).active, false);
  });

  it('OIDC Core §5.5.1.1: an essential acr with values gets one of those values — the highest one met', async () => {
    const browser = new TestBrowser();
    const acrOf = async (params: Record<string, string>) => (await exchange(await signIn(spec, browser, { params }))).claims()!.acr;
    const essential = (values: string[]) => ({ claims: JSON.stringify({ id_token: { acr: { essential: true, values } } }) });
    assert.equal(await acrOf({}), 'eidas3', 'a CPS card reaches eidas3');
    assert.equal(await acrOf(essential(['eidas1'])), 'eidas1');
    assert.equal(await acrOf(essential(['eidas1', 'eidas2'])), 'eidas2');
    assert.equal(await acrOf(essential(['eidas2', 'eidas3', 'eidas1'])), 'eidas3');
    assert.equal(await acrOf({ claims: JSON.stringify({ id_token: { acr: { essential: true, value: 'eidas2' } } }) }), 'eidas2');
    assert.equal(await acrOf({ claims: JSON.stringify({ id_token: { acr: { values: ['eidas1'] } } }) }), 'eidas3', 'voluntary values: the level reached');
    assert.equal(await acrOf({ acr_values: 'eidas1' }), 'eidas3', 'acr_values: the level reached');
  });

  it('RFC 6749 §5.1: token responses carry Cache-Control: no-store and Pragma: no-cache, refusals too', async () => {
    const tokens = await post('/token', { grant_type: 'refresh_token', refresh_token: 'x' }, { authorization: basic('test-rp') });
    assert.equal(tokens.status, 400);
    assert.equal(tokens.headers.get('cache-control'), 'no-store');
    assert.equal(tokens.headers.get('pragma'), 'no-cache');
    const request = await signIn(spec, new TestBrowser());
    const code = request.callback.searchParams.get('code')!;
    const issued = await post(
      '/token',
      { grant_type: 'authorization_code', code, redirect_uri: RP_REDIRECT, code_verifier: request.checks.pkceCodeVerifier },
      { authorization: basic('test-rp') },
    );
    assert.equal(issued.status, 200);
    assert.equal(issued.headers.get('cache-control'), 'no-store');
    assert.equal(issued.headers.get('pragma'), 'no-cache');
  });

  it('operators see why a client request was refused: the OAuth error, its description and the client, never a secret', async () => {
    logs.length = 0;
    const secret = spec.secrets['test-rp']!;
    await post(
      '/token',
      { grant_type: 'authorization_code', code: 'a-code-that-is-secret', redirect_uri: RP_REDIRECT, code_verifier: 'v'.repeat(43) },
      { authorization: basic('test-rp') },
    );
    await post('/token/introspection', { token: 'x', client_id: 'test-rp', client_secret: secret });
    const refusals = logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'client request refused');
    const grant = refusals.find((l) => l.route === '/token');
    assert.equal(grant?.clientId, 'test-rp');
    assert.equal(grant?.error, 'invalid_grant');
    assert.equal(typeof grant?.error_description, 'string');
    const auth = refusals.find((l) => l.route === '/token/introspection');
    assert.equal(auth?.error, 'invalid_client');
    assert.equal(auth?.clientId, 'test-rp');
    const all = logs.join('\n');
    assert.ok(!all.includes(secret), 'no client secret in the logs');
    assert.ok(!all.includes('a-code-that-is-secret'), 'no code in the logs');
  });
});

/** A DPoP proof (RFC 9449 §4.2) made by hand, to replay it or send it where openid-client would not. */
async function dpopProof(keys: CryptoKeyPair, method: string, url: string, accessToken: string): Promise<string> {
  return new SignJWT({ htm: method, htu: url, ath: createHash('sha256').update(accessToken).digest('base64url') })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(keys.publicKey) })
    .setIssuedAt()
    .setJti(randomUUID())
    .sign(keys.privateKey);
}

/** GET /me on one instance's port with the issuer's Host, as a load balancer in front of both forwards it. */
function userinfoAt(port: number, host: string, headers: Record<string, string>): Promise<{ status: number; wwwAuthenticate: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: 'localhost', port, path: '/me', method: 'GET', headers: { ...headers, host }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, wwwAuthenticate: String(res.headers['www-authenticate'] ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('RFC 9126 pushed authorization requests, RFC 9449 DPoP: the demo-dmp as a FAPI 2.0 client', () => {
  let fapi: Stack;
  let dmp: DmpClient;
  beforeAll(async () => {
    fapi = await startStack({ name: 'conformance-fapi', instances: 2, demoApps: true });
    dmp = await dmpClient(fapi);
  });
  afterAll(async () => {
    await fapi?.close();
  });

  /** demo-dmp: pushed request with DPoP, sign-in with the CPS card, DPoP-bound tokens. */
  async function dmpTokens() {
    const pushed = await pushRequest(dmp.config, dmp.redirectUri, { dpop: dmp.dpop });
    const { callback } = await signInAt(new TestBrowser(), pushed.url, dmp.redirectUri);
    return client.authorizationCodeGrant(dmp.config, callback, { ...pushed.checks, idTokenExpected: true }, undefined, { DPoP: dmp.dpop });
  }

  it('RFC 8414 §2, RFC 9126 §5: the pushed_authorization_request_endpoint of discovery is the path served', async () => {
    const metadata = dmp.config.serverMetadata();
    assert.equal(metadata.pushed_authorization_request_endpoint, `${fapi.issuer}/request`);
    assert.ok(metadata.dpop_signing_alg_values_supported?.includes('ES256'), 'DPoP advertised');
    const response = await fetch(metadata.pushed_authorization_request_endpoint!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'client_id=test-rp',
    });
    assert.notEqual(response.status, 404);
    assert.equal(response.headers.get('content-type')?.split(';')[0], 'application/json');
  });

  it('RFC 9126 §2.1, §2.2, §4: a pushed request (openid-client) gets a request_uri; /auth with client_id and request_uri alone signs in with what was pushed', async () => {
    const config = await fapi.rp('test-rp');
    const pushed = await pushRequest(config, RP_REDIRECT, { params: { acr_values: 'eidas3' } });
    assert.deepEqual([...pushed.url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
    assert.match(pushed.url.searchParams.get('request_uri')!, /^urn:ietf:params:oauth:request_uri:/);
    // Parameters beside request_uri are not the pushed request's: ignored (prompt=none would end in login_required).
    pushed.url.searchParams.set('prompt', 'none');
    const browser = new TestBrowser();
    const { callback, sawLoginPage } = await signInAt(browser, pushed.url, RP_REDIRECT);
    assert.equal(sawLoginPage, true);
    assert.equal(callback.searchParams.get('state'), pushed.checks.expectedState);
    assert.equal(callback.searchParams.get('iss'), fapi.issuer);
    const tokens = await client.authorizationCodeGrant(config, callback, { ...pushed.checks, idTokenExpected: true });
    assert.equal(tokens.claims()!.acr, 'eidas3');
    assert.equal(tokens.token_type, 'bearer', 'no DPoP proof, no DPoP binding for a client that did not opt in');

    const events = await fapi.gateways[0]!.auditLog.range({ order: 'newest-first' });
    const pushedEvent = events.find((e) => e.type === 'authorization.pushed');
    assert.equal(pushedEvent?.outcome, 'success');
    assert.equal(pushedEvent?.clientId, 'test-rp');
    assert.match(String(pushedEvent?.details?.request), /^[0-9a-f]{16}$/, 'the request_uri only hashed');
    const started = events.find((e) => e.type === 'signin.started' && e.clientId === 'test-rp');
    assert.equal(started?.details?.level, 'eidas3', 'the login pages read the pushed acr_values');

    await assert.rejects(
      pushRequest(config, 'https://attacker.example/cb'),
      (err: { error?: string }) => err.error === 'invalid_redirect_uri' || err.error === 'invalid_request',
    );
    let refused: AuditEvent | undefined;
    for (let i = 0; i < 50 && refused?.outcome !== 'failure'; i += 1) {
      await sleep(20); // recorded after the answer left
      refused = (await fapi.gateways[0]!.auditLog.range({ order: 'newest-first' })).find((e) => e.type === 'authorization.pushed');
    }
    assert.equal(refused?.outcome, 'failure', 'a push refused to the client that authenticated is in the trail too');
    assert.equal(refused?.clientId, 'test-rp');
    assert.match(String(refused?.reason), /^invalid_/);
  });

  it('RFC 9126 §2.1: POST /request without client authentication, or with a wrong one: 401 invalid_client, nothing stored', async () => {
    const stored = await fapi.keyCount();
    const form = { response_type: 'code', redirect_uri: dmp.redirectUri, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' };
    for (const [name, init] of [
      ['demo-dmp without its client assertion', { body: new URLSearchParams({ ...form, client_id: 'demo-dmp' }) }],
      ['test-rp without its secret', { body: new URLSearchParams({ ...form, client_id: 'test-rp', redirect_uri: RP_REDIRECT }) }],
      [
        'test-rp with a wrong secret',
        {
          body: new URLSearchParams({ ...form, redirect_uri: RP_REDIRECT }),
          headers: { authorization: `Basic ${Buffer.from('test-rp:wrong-secret').toString('base64')}` },
        },
      ],
    ] as const) {
      const response = await fetch(`${fapi.issuer}/request`, {
        method: 'POST',
        ...init,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...('headers' in init ? init.headers : {}) },
      });
      assert.equal(response.status, 401, name);
      assert.equal(((await response.json()) as { error: string }).error, 'invalid_client', name);
    }
    assert.equal(await fapi.keyCount(), stored);
  });

  it('RFC 9126 §5 require_pushed_authorization_requests: demo-dmp sent to /auth without a request_uri gets invalid_request', async () => {
    const url = client.buildAuthorizationUrl(dmp.config, {
      redirect_uri: dmp.redirectUri,
      scope: 'openid',
      state: 'st-12345678',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
    });
    const result = await new TestBrowser().follow(url, {}, { stopAt: (u) => u.href.startsWith(dmp.redirectUri) });
    const error = result.stoppedAt?.searchParams.get('error') ?? (result.page?.json as { error?: string } | undefined)?.error;
    assert.equal(error ?? result.page?.status, 'invalid_request', `got ${result.stoppedAt ?? result.page?.status}`);
    assert.match(result.stoppedAt?.searchParams.get('error_description') ?? '', /Pushed Authorization Request must be used/);
  });

  it('RFC 9126 §4: a request_uri is for one authorization: reloaded before its code, fine; used again after it, invalid_request_uri', async () => {
    const config = await fapi.rp('test-rp');
    const pushed = await pushRequest(config, RP_REDIRECT);
    const browser = new TestBrowser();
    const reloaded = await browser.follow(pushed.url, {}, { stopAt: isRpRedirect });
    assert.equal(reloaded.page?.status, 200, 'opened before its code is issued (a reload, a preloading browser): the login page');
    await signInAt(browser, pushed.url, RP_REDIRECT);
    const again = await browser.follow(pushed.url, {}, { stopAt: isRpRedirect });
    assert.equal(again.stoppedAt, undefined, 'no redirect: the request it would go back to is gone');
    assert.equal(again.page?.status, 400);
    assert.match(again.page!.body, /invalid_request_uri/);
  });

  it("RFC 9126 §2.1 and the gateway's input limits: a pushed request is held to the limits of /auth's query; nothing stored on refusal", async () => {
    const stored = await fapi.keyCount();
    const secret = fapi.secrets['test-rp']!;
    const push = (extra: Record<string, string>) =>
      fetch(`${fapi.issuer}/request`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`test-rp:${secret}`).toString('base64')}` },
        body: new URLSearchParams({
          client_id: 'test-rp',
          response_type: 'code',
          redirect_uri: RP_REDIRECT,
          scope: 'openid',
          code_challenge: 'x'.repeat(43),
          code_challenge_method: 'S256',
          ...extra,
        }),
      });
    for (const [name, extra, said] of [
      ['one value over 4 KiB', { state: 's'.repeat(4097) }, /parameter state has 4097 characters \(max 4096\), as at the authorization endpoint/],
      [
        'over 8 KiB in all',
        { state: 's'.repeat(3000), nonce: 'n'.repeat(3000), login_hint: 'l'.repeat(3000) },
        /pushed authorization request of \d+ characters \(max 8192/,
      ],
    ] as const) {
      const response = await push(extra);
      assert.equal(response.status, 400, name);
      const body = (await response.json()) as { error: string; error_description: string };
      assert.equal(body.error, 'invalid_request', name);
      assert.match(body.error_description, said, name);
    }
    assert.equal(await fapi.keyCount(), stored);
    const atLimit = await push({ state: 's'.repeat(4096) });
    assert.equal(atLimit.status, 201, `at the limit: accepted (${await atLimit.text()})`);
  });

  it('RFC 9449 §5 dpop_bound_access_tokens: demo-dmp gets no token without a DPoP proof', async () => {
    const pushed = await pushRequest(dmp.config, dmp.redirectUri, { dpop: false });
    const { callback } = await signInAt(new TestBrowser(), pushed.url, dmp.redirectUri);
    const checks = { ...pushed.checks, idTokenExpected: true };
    await assert.rejects(client.authorizationCodeGrant(dmp.config, callback, checks), (err: { error?: string }) => err.error === 'invalid_grant');
    const tokens = await client.authorizationCodeGrant(dmp.config, callback, checks, undefined, { DPoP: dmp.dpop });
    assert.equal(tokens.token_type, 'dpop', 'the same code, with a proof: refused for the missing proof alone');
  });

  it("RFC 9449 §7.1, FAPI 2.0 §5.3.2.1: demo-dmp's stolen access token is refused at userinfo as a Bearer token and with another key's proof; introspection names the key, refresh needs it", async () => {
    const tokens = await dmpTokens();
    assert.equal(tokens.token_type, 'dpop');
    const sub = tokens.claims()!.sub;
    const own = await client.fetchUserInfo(dmp.config, tokens.access_token, sub, { DPoP: dmp.dpop });
    assert.equal(own.sub, sub, 'with its own key, userinfo answers');

    const asBearer = await fetch(`${fapi.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(asBearer.status, 401);
    assert.match(asBearer.headers.get('www-authenticate') ?? '', /invalid_token/);
    const thief = client.getDPoPHandle(dmp.config, await client.randomDPoPKeyPair('ES256'));
    await assert.rejects(client.fetchUserInfo(dmp.config, tokens.access_token, sub, { DPoP: thief }), (err: Error & { cause?: unknown }) =>
      /invalid_token/.test(String(err.message) + JSON.stringify(err.cause ?? '')),
    );

    const introspected = await client.tokenIntrospection(dmp.config, tokens.access_token);
    assert.equal(introspected.token_type, 'DPoP');
    assert.equal(
      (introspected.cnf as { jkt?: string } | undefined)?.jkt,
      await calculateJwkThumbprint(await exportJWK(dmp.dpopKeys.publicKey)),
      'a resource server that introspects learns the key (cnf.jkt)',
    );
    await assert.rejects(
      client.refreshTokenGrant(dmp.config, tokens.refresh_token!),
      (err: { error?: string }) => err.error === 'invalid_grant',
      'no refresh without a proof either',
    );
    const refreshed = await client.refreshTokenGrant(dmp.config, tokens.refresh_token!, undefined, { DPoP: dmp.dpop });
    assert.equal(refreshed.token_type, 'dpop');
  });

  it('RFC 9449 §11.1: a replayed DPoP proof is refused, on the instance that saw it and on another, also when both get it at once', async () => {
    const tokens = await dmpTokens();
    const host = new URL(fapi.issuer).host;
    const [first, second] = fapi.instanceUrls.map((u) => Number(new URL(u).port)) as [number, number];
    const headers = async () => ({
      authorization: `DPoP ${tokens.access_token}`,
      dpop: await dpopProof(dmp.dpopKeys, 'GET', `${fapi.issuer}/me`, tokens.access_token),
    });

    const once = await headers();
    assert.equal((await userinfoAt(first, host, once)).status, 200);
    const replayedHere = await userinfoAt(first, host, once);
    assert.equal(replayedHere.status, 401);
    assert.match(replayedHere.wwwAuthenticate, /^DPoP /);
    assert.equal((await userinfoAt(second, host, once)).status, 401, 'the other instance refuses it too');
    assert.equal((await userinfoAt(second, host, await headers())).status, 200, 'a fresh proof is accepted there');

    // The same proof sent to both instances at the same moment, several times: one answer only.
    for (let round = 0; round < 3; round += 1) {
      const racing = await headers();
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => userinfoAt(i % 2 ? second : first, host, racing)));
      assert.equal(answers.filter((a) => a.status === 200).length, 1, `round ${round}: ${answers.map((a) => a.status).join(' ')}`);
    }
  });
});

describe('RFC 9110 §15.5.1 (400 Bad Request): a staff page refuses a bad query parameter, naming it', () => {
  const STAFF = '899700427885';
  let staffStack: Stack;
  let staff: TestBrowser;
  beforeAll(async () => {
    staffStack = await startStack({ name: 'conformance-staff', overrides: { 'admin.idNats': [STAFF], 'pilot.staffIdNats': [STAFF] } });
    staff = new TestBrowser();
    await exchange(await signIn(staffStack, staff, { choice: { practitioner: STAFF, means: 'card' } }));
  });
  afterAll(async () => {
    await staffStack.close();
  });

  it('/admin/audit?from=2026-13-45 (the issue’s 500) is a 400 page naming « from », no stack trace; the export answers JSON', async () => {
    const page = await staff.request(`${staffStack.issuer}/admin/audit?from=2026-13-45`);
    assert.equal(page.status, 400, page.text.slice(0, 300));
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const lines = page.doc.querySelectorAll('main ul.problems li').map((li) => li.text);
    assert.ok(
      lines.some((line) => line.includes('«\u00a0from\u00a0»')),
      JSON.stringify(lines),
    );
    assert.doesNotMatch(page.body, STACK_TRACE);
    const exported = await staff.request(`${staffStack.issuer}/pilot/export.json?from=2026-13-45`);
    assert.equal(exported.status, 400, exported.body.slice(0, 300));
    assert.equal((exported.json as { error?: string }).error, 'invalid_query');
    assert.ok(
      (exported.json as { problems?: Array<{ parameter?: string }> }).problems?.some((p) => p.parameter === 'from'),
      exported.body,
    );
  });
});
