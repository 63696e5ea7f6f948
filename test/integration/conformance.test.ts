/**
 * Checks named after the OpenID conformance suite (oidcc-*): code reuse, redirect_uri
 * mismatch, PKCE, nonce and state echo, max_age=0 / prompt=login re-authentication,
 * prompt=none, consent for third-party applications.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startStack, RP_REDIRECT, type Stack } from '../support/stack.ts';
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
