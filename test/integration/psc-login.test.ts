/**
 * End-to-end federated sign-in through gateway + PSC simulator, with openid-client as the
 * relying party, on a real Redis: tokens, claims, refresh rotation, introspection,
 * revocation and logout.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startStack, RP_POST_LOGOUT, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { csrfOf } from '../support/key-journey.ts';
import { authorizationRequest, exchange, isRpRedirect, signIn } from '../support/psc-login.ts';
import { createKeyNames } from '../../src/store/index.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'psc-login' });
});
afterAll(async () => {
  await stack.close();
});

describe('discovery and request ids', () => {
  it('publishes the levels, scopes, claims and signing keys', async () => {
    const meta = (await (await fetch(`${stack.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.deepEqual(meta.acr_values_supported, ['eidas1', 'eidas2', 'eidas3', 'phr', 'phrh']);
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(meta.response_types_supported, ['code']);
    for (const scope of ['openid', 'profile', 'scope_all']) assert.ok((meta.scopes_supported as string[]).includes(scope), scope);
    for (const claim of ['acr', 'amr', 'auth_time', 'SubjectNameID', 'SubjectRefPro', 'SubjectRole', 'otherIds'])
      assert.ok((meta.claims_supported as string[]).includes(claim), claim);
    assert.equal(meta.backchannel_logout_supported, true);
    assert.equal(meta.claims_parameter_supported, true);
    const jwks = (await (await fetch(meta.jwks_uri as string)).json()) as { keys: Array<{ kid: string; alg: string; d?: string }> };
    assert.deepEqual(
      jwks.keys.map((k) => k.alg),
      ['ES256', 'RS256'],
    );
    assert.equal(new Set(jwks.keys.map((k) => k.kid)).size, 2);
    assert.ok(
      jwks.keys.every((k) => k.d === undefined),
      'no private part published',
    );
  });

  it('serves /metrics to loopback by default (METRICS_ALLOW)', async () => {
    const response = await fetch(`${stack.issuer}/metrics`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /hc_http_requests_total/);
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const echoed = await fetch(`${stack.issuer}/healthz`, { headers: { 'x-request-id': 'dpi-req-12345' } });
    assert.equal(echoed.headers.get('x-request-id'), 'dpi-req-12345');
    const made = await fetch(`${stack.issuer}/healthz`, { headers: { 'x-request-id': 'bad id with spaces <script>' } });
    assert.match(made.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});

describe('federated sign-in through Pro Santé Connect', () => {
  it('asks PSC for openid scope_all at eidas1 with PKCE S256, state and nonce', async () => {
    const browser = new TestBrowser();
    const { url } = await authorizationRequest(stack);
    const login = await browser.follow(url, {}, { stopAt: isRpRedirect });
    const toPsc = await browser.request(new URL(login.page!.doc.querySelector('form[action$="/psc"]')!.getAttribute('action')!, stack.issuer), {
      method: 'POST',
      form: { _csrf: csrfOf(login.page!) },
    });
    assert.equal(toPsc.status, 303);
    const psc = new URL(toPsc.headers.get('location')!);
    assert.equal(`${psc.origin}${psc.pathname}`, `${stack.psc.issuer}/protocol/openid-connect/auth`);
    assert.equal(psc.searchParams.get('scope'), 'openid scope_all');
    assert.equal(psc.searchParams.get('acr_values'), 'eidas1');
    assert.equal(psc.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(psc.searchParams.get('redirect_uri'), `${stack.issuer}/federation/psc/callback`);
    assert.ok((psc.searchParams.get('state') ?? '').length >= 32);
    assert.ok((psc.searchParams.get('nonce') ?? '').length >= 32);
    assert.equal(psc.searchParams.get('prompt'), null, 'no forced re-authentication at PSC for a plain request');
    const cookie = toPsc.headers.getSetCookie().find((c) => c.startsWith('hc_psc_'));
    assert.match(cookie ?? '', /Path=\/federation\/psc; .*HttpOnly; SameSite=Lax/i);
  });

  it('creates the account at the first PSC sign-in and refreshes it at the next', async () => {
    const keyNames = createKeyNames(stack.prefix);
    const read = async () =>
      JSON.parse((await stack.store.get(keyNames.account('810102345672')))!) as {
        createdAt: number;
        pscVerifiedAt: number;
        lastPscAuthMode: string;
        lastPscAcr: string;
      };
    await exchange(await signIn(stack, new TestBrowser(), { choice: { practitioner: '810102345672', means: 'card' } }));
    const first = await read();
    assert.equal(first.lastPscAuthMode, 'CARD');
    await new Promise((r) => setTimeout(r, 5));
    await exchange(await signIn(stack, new TestBrowser(), { choice: { practitioner: '810102345672', means: 'ecps', forceAcr: 'eidas1' } }));
    const second = await read();
    assert.equal(second.createdAt, first.createdAt);
    assert.ok(second.pscVerifiedAt > first.pscVerifiedAt);
    assert.equal(second.lastPscAuthMode, 'MOBILE');
    assert.equal(second.lastPscAcr, 'eidas1');
  });

  it('issues an ID token signed with a published key, carrying acr, amr and auth_time', async () => {
    const browser = new TestBrowser();
    const before = Math.floor(Date.now() / 1000);
    const request = await signIn(stack, browser, { choice: { means: 'card' } });
    const tokens = await exchange(request);
    const jwks = createRemoteJWKSet(new URL(`${stack.issuer}/jwks`));
    const { payload } = await jwtVerify(tokens.id_token!, jwks, { issuer: stack.issuer, audience: 'test-rp' });
    assert.equal(decodeProtectedHeader(tokens.id_token!).alg, 'ES256');
    assert.equal(payload.sub, '899700427885');
    assert.equal(payload.acr, 'eidas3');
    assert.deepEqual(payload.amr, ['sc', 'pin', 'mfa']);
    assert.ok(typeof payload.auth_time === 'number' && payload.auth_time >= before - 1);
    assert.equal(payload.nonce, request.checks.expectedNonce);
    assert.equal(request.callback.searchParams.get('state'), request.checks.expectedState);
    assert.equal(payload.SubjectRefPro, undefined, 'professional claims stay out of the ID token unless requested');
  });

  it('gives e-CPS logins eidas2 and never more than the means is worth, whatever PSC says', async () => {
    const ecps = await exchange(await signIn(stack, new TestBrowser(), { choice: { means: 'ecps' } }));
    assert.equal(ecps.claims()!.acr, 'eidas2');
    const forced = await exchange(await signIn(stack, new TestBrowser(), { choice: { means: 'ecps', forceAcr: 'eidas3' } }));
    assert.equal(forced.claims()!.acr, 'eidas2');
    const unknown = await exchange(await signIn(stack, new TestBrowser(), { choice: { means: 'card', forceAuthMode: 'unknown' } }));
    assert.equal(unknown.claims()!.acr, 'eidas1');
    assert.deepEqual(unknown.claims()!.amr, []);
  });

  it('releases the PSC professional claims in userinfo for scope_all', async () => {
    const request = await signIn(stack, new TestBrowser(), { choice: { practitioner: '899700427885' } });
    const tokens = await exchange(request);
    const info = await client.fetchUserInfo(request.config, tokens.access_token, tokens.claims()!.sub);
    assert.equal(info.SubjectNameID, '899700427885');
    assert.equal(info.preferred_username, '899700427885');
    assert.equal(typeof info.given_name, 'string');
    const refPro = info.SubjectRefPro as { exercices: Array<{ activities: unknown[] }> };
    assert.ok(refPro.exercices[0]!.activities.length >= 1, 'exercices[].activities[] as PSC shapes them');
    assert.ok(Array.isArray(info.SubjectRole));
    assert.ok(Array.isArray(info.otherIds));
    assert.equal(typeof info.psc_verified_at, 'number');
  });

  it('puts professional claims in the ID token when the claims parameter asks for them', async () => {
    const claims = JSON.stringify({ id_token: { SubjectNameID: null, SubjectRefPro: null, acr: { essential: true } } });
    const tokens = await exchange(await signIn(stack, new TestBrowser(), { params: { claims } }));
    const idToken = tokens.claims()!;
    assert.equal(idToken.SubjectNameID, '899700427885');
    assert.ok(idToken.SubjectRefPro);
  });

  it('keeps a non-numeric sandbox idNat intact', async () => {
    const tokens = await exchange(await signIn(stack, new TestBrowser(), { choice: { practitioner: 'ANS20231122132732' } }));
    assert.equal(tokens.claims()!.sub, 'ANS20231122132732');
  });

  it('returns signed userinfo (application/jwt) to a client registered for it', async () => {
    const request = await signIn(stack, new TestBrowser(), { clientId: 'jwt-userinfo-rp', metadata: { userinfo_signed_response_alg: 'ES256' } });
    const tokens = await exchange(request);
    const response = await fetch(`${stack.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.match(response.headers.get('content-type') ?? '', /application\/jwt/);
    const info = await client.fetchUserInfo(request.config, tokens.access_token, tokens.claims()!.sub);
    assert.equal(info.SubjectNameID, '899700427885');
  });

  it('rotates refresh tokens and refuses the old one', async () => {
    const request = await signIn(stack, new TestBrowser());
    const tokens = await exchange(request);
    assert.ok(tokens.refresh_token, 'a refresh token is issued');
    const refreshed = await client.refreshTokenGrant(request.config, tokens.refresh_token);
    assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token);
    assert.equal(refreshed.claims()?.acr, 'eidas3', 'the level survives a refresh');
    // The spent token is kept, small, until it would have expired: its record says it is consumed, with no level, claims or nonce left in it.
    const keyNames = createKeyNames(stack.prefix);
    const spent = JSON.parse((await stack.store.get(keyNames.modelJson('RefreshToken', tokens.refresh_token)))!) as Record<string, unknown>;
    assert.equal(typeof spent.consumed, 'number');
    for (const gone of ['acr', 'amr', 'claims', 'nonce', 'authTime']) assert.equal(spent[gone], undefined, `${gone} is not kept`);
    assert.ok((await stack.store.ttl(keyNames.modelUsed('RefreshToken', tokens.refresh_token))) <= 60, 'its use mark lives a minute at most');
    assert.ok((await stack.store.ttl(keyNames.modelJson('RefreshToken', tokens.refresh_token))) > 3600, 'kept as long as the token would have lived');
    // Reusing it is a replay: refused, and every token of the grant with it (the thief's or the client's, whichever came second).
    await assert.rejects(client.refreshTokenGrant(request.config, tokens.refresh_token), (err: { error?: string }) => err.error === 'invalid_grant');
    assert.equal((await client.tokenIntrospection(request.config, refreshed.access_token)).active, false, 'the access token of the rotation is revoked');
    await assert.rejects(client.refreshTokenGrant(request.config, refreshed.refresh_token), (err: { error?: string }) => err.error === 'invalid_grant');
  });

  it('introspects and revokes access tokens', async () => {
    const request = await signIn(stack, new TestBrowser());
    const tokens = await exchange(request);
    const active = await client.tokenIntrospection(request.config, tokens.access_token);
    assert.equal(active.active, true);
    assert.equal(active.sub, '899700427885');
    assert.equal(active.client_id, 'test-rp');
    await client.tokenRevocation(request.config, tokens.access_token);
    const revoked = await client.tokenIntrospection(request.config, tokens.access_token);
    assert.equal(revoked.active, false);
    await assert.rejects(client.fetchUserInfo(request.config, tokens.access_token, '899700427885'));
  });

  it('logs out (RP-initiated), tells the RP by back-channel, and forgets the session', async () => {
    const browser = new TestBrowser();
    const request = await signIn(stack, browser);
    const tokens = await exchange(request);
    const sid = tokens.claims()!.sid;
    assert.ok(sid, 'the ID token carries sid for back-channel logout');
    const already = stack.backchannel.tokens.length;
    const endSession = client.buildEndSessionUrl(request.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: RP_POST_LOGOUT });
    const confirm = await browser.follow(endSession);
    assert.equal(confirm.page?.status, 200);
    assert.match(confirm.page!.text, /Voulez-vous vous déconnecter/);
    const done = await browser.submit(confirm.page!, 'form#op\\.logoutForm', { logout: 'yes' }, { stopAt: (u) => u.href.startsWith(RP_POST_LOGOUT) });
    assert.ok(done.stoppedAt, 'redirected to the post_logout_redirect_uri');
    const [logoutToken] = (await stack.backchannel.waitFor(already + 1)).slice(already);
    const jwks = createRemoteJWKSet(new URL(`${stack.issuer}/jwks`));
    const { payload } = await jwtVerify(logoutToken!, jwks, { issuer: stack.issuer, audience: 'test-rp' });
    assert.equal(payload.sid, sid);
    assert.ok((payload.events as Record<string, unknown>)['http://schemas.openid.net/event/backchannel-logout']);
    const again = await signInSilently(browser);
    assert.equal(again.searchParams.get('error'), 'login_required');
  });
});

async function signInSilently(browser: TestBrowser): Promise<URL> {
  const config = await stack.rp();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: 'http://127.0.0.1:9/cb',
    scope: 'openid',
    prompt: 'none',
    state: client.randomState(),
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  });
  const result = await browser.follow(url, {}, { stopAt: (u) => u.href.startsWith('http://127.0.0.1:9/cb') });
  assert.ok(result.stoppedAt, `expected a redirect to the RP, got ${result.page?.status}`);
  return result.stoppedAt;
}
