/**
 * Checks named after the OpenID conformance suite (oidcc-*): code reuse, redirect_uri
 * mismatch, PKCE, nonce and state echo, max_age=0 / prompt=login re-authentication,
 * prompt=none, consent for third-party applications.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import * as client from 'openid-client';
import { calculateJwkThumbprint, exportJWK, SignJWT } from 'jose';
import { startStack, RP_REDIRECT, type Stack } from '../support/stack.ts';
import { dmpClient, pushRequest, signInAt, type DmpClient } from '../support/dmp-client.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import { TestBrowser } from '../support/browser.ts';
import { authorizationRequest, exchange, isRpRedirect, loginAtPsc, signIn } from '../support/psc-login.ts';

let stack: Stack;
before(async () => { stack = await startStack({ name: 'conformance' }); });
after(async () => { await stack.close(); });

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
    const url = client.buildAuthorizationUrl(config, { redirect_uri: RP_REDIRECT, scope: 'openid', code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' });
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
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`test-rp:${stack.secrets['test-rp']}`).toString('base64')}` },
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
  before(async () => {
    fapi = await startStack({ name: 'conformance-fapi', instances: 2, demoApps: true });
    dmp = await dmpClient(fapi);
  });
  after(async () => { await fapi?.close(); });

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
    const response = await fetch(metadata.pushed_authorization_request_endpoint!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'client_id=test-rp' });
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

    await assert.rejects(pushRequest(config, 'https://attacker.example/cb'), (err: { error?: string }) => err.error === 'invalid_redirect_uri' || err.error === 'invalid_request');
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
      ['test-rp with a wrong secret', { body: new URLSearchParams({ ...form, redirect_uri: RP_REDIRECT }), headers: { authorization: `Basic ${Buffer.from('test-rp:wrong-secret').toString('base64')}` } }],
    ] as const) {
      const response = await fetch(`${fapi.issuer}/request`, { method: 'POST', ...init, headers: { 'content-type': 'application/x-www-form-urlencoded', ...('headers' in init ? init.headers : {}) } });
      assert.equal(response.status, 401, name);
      assert.equal(((await response.json()) as { error: string }).error, 'invalid_client', name);
    }
    assert.equal(await fapi.keyCount(), stored);
  });

  it('RFC 9126 §5 require_pushed_authorization_requests: demo-dmp sent to /auth without a request_uri gets invalid_request', async () => {
    const url = client.buildAuthorizationUrl(dmp.config, {
      redirect_uri: dmp.redirectUri, scope: 'openid', state: 'st-12345678', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256',
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

  it('RFC 9126 §2.1 and the gateway\'s input limits: a pushed request is held to the limits of /auth\'s query; nothing stored on refusal', async () => {
    const stored = await fapi.keyCount();
    const secret = fapi.secrets['test-rp']!;
    const push = (extra: Record<string, string>) => fetch(`${fapi.issuer}/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`test-rp:${secret}`).toString('base64')}` },
      body: new URLSearchParams({ client_id: 'test-rp', response_type: 'code', redirect_uri: RP_REDIRECT, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', ...extra }),
    });
    for (const [name, extra, said] of [
      ['one value over 4 KiB', { state: 's'.repeat(4097) }, /parameter state has 4097 characters \(max 4096, as at the authorization endpoint\)/],
      ['over 8 KiB in all', { state: 's'.repeat(3000), nonce: 'n'.repeat(3000), login_hint: 'l'.repeat(3000) }, /authorization parameters of \d+ characters \(max 8192/],
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

  it('RFC 9449 §7.1, FAPI 2.0 §5.3.2.1: demo-dmp\'s stolen access token is refused at userinfo as a Bearer token and with another key\'s proof; introspection names the key, refresh needs it', async () => {
    const tokens = await dmpTokens();
    assert.equal(tokens.token_type, 'dpop');
    const sub = tokens.claims()!.sub;
    const own = await client.fetchUserInfo(dmp.config, tokens.access_token, sub, { DPoP: dmp.dpop });
    assert.equal(own.sub, sub, 'with its own key, userinfo answers');

    const asBearer = await fetch(`${fapi.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(asBearer.status, 401);
    assert.match(asBearer.headers.get('www-authenticate') ?? '', /invalid_token/);
    const thief = client.getDPoPHandle(dmp.config, await client.randomDPoPKeyPair('ES256'));
    await assert.rejects(client.fetchUserInfo(dmp.config, tokens.access_token, sub, { DPoP: thief }), (err: Error & { cause?: unknown }) => /invalid_token/.test(String(err.message) + JSON.stringify(err.cause ?? '')));

    const introspected = await client.tokenIntrospection(dmp.config, tokens.access_token);
    assert.equal(introspected.token_type, 'DPoP');
    assert.equal((introspected.cnf as { jkt?: string } | undefined)?.jkt, await calculateJwkThumbprint(await exportJWK(dmp.dpopKeys.publicKey)), 'a resource server that introspects learns the key (cnf.jkt)');
    await assert.rejects(client.refreshTokenGrant(dmp.config, tokens.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant', 'no refresh without a proof either');
    const refreshed = await client.refreshTokenGrant(dmp.config, tokens.refresh_token!, undefined, { DPoP: dmp.dpop });
    assert.equal(refreshed.token_type, 'dpop');
  });

  it('RFC 9449 §11.1: a replayed DPoP proof is refused, on the instance that saw it and on another, also when both get it at once', async () => {
    const tokens = await dmpTokens();
    const host = new URL(fapi.issuer).host;
    const [first, second] = fapi.instanceUrls.map((u) => Number(new URL(u).port)) as [number, number];
    const headers = async () => ({ authorization: `DPoP ${tokens.access_token}`, dpop: await dpopProof(dmp.dpopKeys, 'GET', `${fapi.issuer}/me`, tokens.access_token) });

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
