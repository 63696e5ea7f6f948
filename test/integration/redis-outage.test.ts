/**
 * Redis outage: with the gateway's Redis killed, everything that needs it answers at once
 * with 503 — a French page for people, JSON for the pages' scripts, `temporarily_unavailable`
 * for relying parties — never a 500, a stack trace or a hang; /readyz fails while /healthz
 * stays up. When Redis is back the same gateway (no restart) serves sign-ins again.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startStack, type Stack } from '../support/stack.ts';
import { createRedisServer, type RedisServer } from '../support/redis-server.ts';
import { TestBrowser } from '../support/browser.ts';
import { authorizationRequest, exchange, isRpRedirect, signIn } from '../support/psc-login.ts';
import { csrfOf, loginPage } from '../support/key-journey.ts';

const STACK_TRACE = /\bat [\w.<>]+ \(|node_modules|Error: /;

let redis: RedisServer;
let stack: Stack;
beforeAll(async () => {
  redis = await createRedisServer();
  stack = await startStack({ name: 'redis-outage', redisUrl: redis.url });
});
afterAll(async () => {
  await stack.close();
  await redis.dispose();
});

async function waitFor(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`condition not met within ${ms} ms`);
}

describe('Redis outage', () => {
  it('answers 503 everywhere Redis is needed, then recovers without a restart', { timeout: 60_000 }, async () => {
    // Before the outage: a signed-in clinician with tokens, and a sign-in left half-way.
    const signedIn = await signIn(stack, new TestBrowser());
    const tokens = await exchange(signedIn);
    const halfway = new TestBrowser();
    const { base, page: signInPage } = await loginPage(stack, halfway);
    assert.equal((await new TestBrowser().request(`${stack.issuer}/readyz`)).status, 200);

    await redis.stop('SIGKILL');

    const started = Date.now();
    const ready = await new TestBrowser().request(`${stack.issuer}/readyz`);
    assert.equal(ready.status, 503, '/readyz fails');
    const health = await new TestBrowser().request(`${stack.issuer}/healthz`);
    assert.equal(health.status, 200, '/healthz stays up');

    const page = await halfway.request(`${stack.issuer}${base}`);
    assert.equal(page.status, 503, `the sign-in page: ${page.body.slice(0, 200)}`);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.text, /momentanément indisponible/);
    assert.ok(Number(page.headers.get('retry-after')) > 0, 'Retry-After');
    assert.doesNotMatch(page.body, STACK_TRACE);

    const options = await halfway.request(`${stack.issuer}${base}/webauthn/options`, { json: {} });
    assert.equal(options.status, 503, 'ceremony script');
    assert.equal((options.json as { error: string }).error, 'temporarily_unavailable');

    const pscStart = await halfway.request(`${stack.issuer}${base}/psc`, { method: 'POST', form: { _csrf: csrfOf(signInPage) } });
    assert.equal(pscStart.status, 503, 'PSC button');

    // A relying party starting a new sign-in gets the OAuth error at its redirect_uri.
    const request = await authorizationRequest(stack);
    const rp = await new TestBrowser().follow(request.url, {}, { stopAt: isRpRedirect });
    assert.ok(rp.stoppedAt, `redirected to the RP: ${rp.page?.status} ${rp.page?.body.slice(0, 200)}`);
    assert.equal(rp.stoppedAt.searchParams.get('error'), 'temporarily_unavailable');
    assert.equal(rp.stoppedAt.searchParams.get('state'), request.checks.expectedState);

    // The token endpoint and userinfo answer relying parties with OAuth errors, not 500s.
    const refresh = await fetch(`${stack.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`test-rp:${stack.secrets['test-rp']}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }),
    });
    assert.equal(refresh.status, 503, 'token endpoint');
    assert.ok(Number(refresh.headers.get('retry-after')) > 0, 'token endpoint Retry-After');
    assert.equal(((await refresh.json()) as { error: string }).error, 'temporarily_unavailable');
    // A wrong secret is still a plain 401 (the abuse limits cannot count it: no 500 either).
    const wrongSecret = await fetch(`${stack.issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('test-rp:wrong-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x' }),
    });
    assert.ok([401, 503].includes(wrongSecret.status), `wrong secret during the outage: ${wrongSecret.status}`);
    // openid-client (as relying parties use it) sees the 503 and can retry later.
    await assert.rejects(
      client.refreshTokenGrant(signedIn.config, tokens.refresh_token!),
      (err: Error & { cause?: { status?: number } }) => err.cause?.status === 503,
    );
    const userinfo = await fetch(`${stack.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(userinfo.status, 503);

    const portal = await new TestBrowser().request(`${stack.issuer}/account`);
    assert.ok([302, 303, 503].includes(portal.status), `the account portal: ${portal.status}`);
    assert.ok(Date.now() - started < 10_000, `every answer came quickly (${Date.now() - started} ms)`);

    await redis.start();
    await waitFor(async () => (await new TestBrowser().request(`${stack.issuer}/readyz`)).status === 200);
    // Same gateway, no restart: a whole sign-in and a token exchange work again.
    const again = await signIn(stack, new TestBrowser());
    const fresh = await exchange(again);
    assert.ok(fresh.access_token);
    const info = await client.fetchUserInfo(again.config, fresh.access_token, fresh.claims()!.sub);
    assert.equal(info.sub, fresh.claims()!.sub);
  });
});
