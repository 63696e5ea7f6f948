/**
 * Headers and cookies as a browser and a reverse proxy see them: the referrer policy and the
 * other helmet headers on every page, HSTS only in production, cookies HttpOnly and
 * SameSite=Lax everywhere and Secure once the TLS-terminating proxy says the request came
 * over https, and the forwarded headers (X-Forwarded-For, -Proto, -Host) honoured only from
 * the trusted proxy: from any other peer they change neither the endpoints the discovery
 * document names, nor the audience a client assertion may carry, nor the address seen by the
 * audit and the abuse limits.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { authorizationRequest } from '../support/psc-login.ts';
import { cspNonce, securityHeaders } from '../../src/http/security-headers.ts';

/** Set-Cookie lines of a response, by cookie name. */
function cookiesOf(response: Response): Map<string, string> {
  return new Map(response.headers.getSetCookie().map((line) => [line.slice(0, line.indexOf('=')), line]));
}

/** An authorization request and its sign-in page, each sent with these headers (as a proxy would). */
async function signInPageWith(stack: Stack, headers: Record<string, string>) {
  const { url } = await authorizationRequest(stack);
  const browser = new TestBrowser();
  const auth = await browser.request(url, { headers });
  assert.equal(auth.status, 303);
  const page = await browser.request(new URL(auth.headers.get('location')!, stack.issuer), { headers });
  assert.equal(page.status, 200);
}

/** Every URL the discovery document names, by member. */
async function discoveryUrls(stack: Stack, headers: Record<string, string>): Promise<Map<string, string>> {
  const response = await fetch(`${stack.issuer}/.well-known/openid-configuration`, { headers });
  assert.equal(response.status, 200);
  const metadata = (await response.json()) as Record<string, unknown>;
  const urls = Object.entries(metadata).filter(([name, value]) => typeof value === 'string' && (name.endsWith('_endpoint') || name.endsWith('_uri')));
  assert.ok(urls.length >= 6, 'token, userinfo, introspection, revocation, end session endpoints and the JWKS');
  return new Map(urls as [string, string][]);
}

/** What a forging peer sends: every way of naming another host and scheme. */
const FORGED_HOST = {
  'x-forwarded-host': 'evil.example',
  'x-forwarded-proto': 'https',
  'x-forwarded-port': '443',
  'x-forwarded-prefix': '/evil',
  forwarded: 'for=10.20.30.40;host=evil.example;proto=https',
};

/** A client_credentials request authenticated with private_key_jwt, its assertion addressed to `aud`. */
async function assertionTokenRequest(stack: Stack, key: CryptoKey, clientId: string, aud: string, headers: Record<string, string>) {
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(aud)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('1m')
    .sign(key);
  return fetch(`${stack.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'results:read',
      client_id: clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }),
  });
}

async function firstAudit(stack: Stack, type: string) {
  return (await stack.gateways[0]!.auditLog.range({ order: 'newest-first' })).find((e) => e.type === type);
}

describe('headers', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: 'headers' });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('sends the referrer policy and the anti-sniffing, anti-framing headers with every page, HSTS not outside production', async () => {
    for (const path of ['/interaction/doesnotexist123', '/account/signed-out', '/nowhere', '/healthz']) {
      const response = await fetch(`${stack.issuer}${path}`, { redirect: 'manual' });
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer', path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(response.headers.get('x-frame-options'), 'DENY', path);
      assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, path);
      assert.equal(response.headers.get('strict-transport-security'), null, `${path}: no HSTS over plain http in development`);
      assert.equal(response.headers.get('x-powered-by'), null, path);
    }
  });

  it("answers the applications' JSON endpoints with the same headers and a fixed policy without nonce", async () => {
    const answers = [
      await fetch(`${stack.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      }),
      await fetch(`${stack.issuer}/token/introspection`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=x' }),
      await fetch(`${stack.issuer}/me`),
      await fetch(`${stack.issuer}/jwks`),
    ];
    for (const response of answers) {
      const where = `${response.url} (${response.status})`;
      assert.match(response.headers.get('content-type') ?? '', /application\/(jwk-set\+)?json/, where);
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer', where);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', where);
      assert.equal(response.headers.get('x-frame-options'), 'DENY', where);
      assert.equal(response.headers.get('content-security-policy'), "default-src 'none';frame-ancestors 'none';base-uri 'none'", where);
    }
    assert.deepEqual(
      answers.map((r) => r.status),
      [401, 401, 401, 200],
      'oidc-provider answers them (no client authentication: invalid_client, RFC 6749 §5.2; no bearer token: 401)',
    );
  });

  it('adds HSTS and upgrade-insecure-requests in production', async () => {
    const app = express();
    app.use(cspNonce());
    app.use(securityHeaders({ production: true, formActionOrigins: () => [] }));
    app.get('/', (_req, res) => {
      res.send('ok');
    });
    const response = await request(app).get('/');
    assert.equal(response.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    assert.match(response.headers['content-security-policy'] ?? '', /upgrade-insecure-requests/);
  });
});

describe('cookies and client addresses behind a trusted TLS-terminating proxy', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: 'behind-proxy', overrides: { 'http.trustProxy': 'loopback' } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('marks every cookie Secure, HttpOnly and SameSite=Lax when the proxy forwarded https', async () => {
    const { url } = await authorizationRequest(stack);
    url.searchParams.set('lang', 'en');
    const viaTls = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '10.20.30.40' };
    const auth = await fetch(url, { redirect: 'manual', headers: viaTls });
    assert.equal(auth.status, 303);
    const interaction = new URL(auth.headers.get('location')!, stack.issuer);
    const cookies = cookiesOf(auth);
    const page = await fetch(interaction, { redirect: 'manual', headers: { ...viaTls, cookie: [...cookies.values()].map((c) => c.split(';')[0]).join('; ') } });
    assert.equal(page.status, 200);
    for (const [name, line] of [...cookies, ...cookiesOf(page)]) {
      assert.match(line, /;\s*secure/i, `${name} is Secure`);
      assert.match(line, /;\s*httponly/i, `${name} is HttpOnly`);
      assert.match(line, /;\s*samesite=lax/i, `${name} is SameSite=Lax`);
    }
    assert.ok(
      [...cookies.keys()].some((name) => name.startsWith('hc_interaction')),
      'the interaction cookie was among them',
    );
  });

  it('names its endpoints on the host and scheme the trusted proxy forwarded', async () => {
    const urls = await discoveryUrls(stack, { 'x-forwarded-host': 'gateway.example', 'x-forwarded-proto': 'https' });
    for (const [name, url] of urls) assert.ok(url.startsWith('https://gateway.example/'), `${name}: ${url}`);
  });

  it('takes the client address from X-Forwarded-For sent by the trusted proxy', async () => {
    await signInPageWith(stack, { 'x-forwarded-for': '10.20.30.40' });
    const event = await firstAudit(stack, 'signin.started');
    assert.equal(event?.ip, '10.20.30.0', 'the forwarded address, truncated by the audit policy');
  });
});

describe('requests that do not come from the trusted proxy', () => {
  let stack: Stack;
  let clientKey: CryptoKey;
  const MACHINE = 'third-party-rp';
  const AUTH_FAILURES_BUDGET = 3;
  // A proxy is configured (10.9.9.9), but the test's requests come straight from 127.0.0.1.
  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    clientKey = privateKey;
    stack = await startStack({
      name: 'not-the-proxy',
      overrides: { 'http.trustProxy': '10.9.9.9', 'limits.clientAuthFailuresPerIp.points': AUTH_FAILURES_BUDGET },
      clientOverrides: {
        [MACHINE]: {
          grant_types: ['client_credentials'],
          scope: 'results:read',
          redirect_uris: [],
          token_endpoint_auth_method: 'private_key_jwt',
          client_secret: undefined,
          jwks: { keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256', use: 'sig' }] },
        },
      },
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('ignores X-Forwarded-For (anyone can send it), so that limits and the audit see the real peer', async () => {
    await signInPageWith(stack, { 'x-forwarded-for': '10.20.30.40' });
    const event = await firstAudit(stack, 'signin.started');
    assert.equal(event?.ip, '127.0.0.0');
  });

  it('ignores a forged X-Forwarded-Proto: no Secure cookie over plain http', async () => {
    const { url } = await authorizationRequest(stack);
    const auth = await fetch(url, { redirect: 'manual', headers: { 'x-forwarded-proto': 'https' } });
    assert.equal(auth.status, 303);
    const cookies = cookiesOf(auth);
    assert.ok(cookies.size > 0);
    for (const [name, line] of cookies) assert.doesNotMatch(line, /;\s*secure/i, name);
  });

  it("ignores a forged X-Forwarded-Host (and -Proto, Forwarded): discovery names the issuer's own endpoints", async () => {
    const urls = await discoveryUrls(stack, FORGED_HOST);
    for (const [name, url] of urls) assert.ok(url.startsWith(`${stack.issuer}/`), `${name}: ${url}`);
  });

  it('refuses a client assertion addressed to a forged host, accepts one addressed to the gateway', async () => {
    const forged = await assertionTokenRequest(stack, clientKey, MACHINE, 'http://evil.example/token', FORGED_HOST);
    assert.equal(forged.status, 401, 'the assertion was made for another server: it must not be replayable here');
    assert.equal(((await forged.json()) as { error?: string }).error, 'invalid_client');
    const genuine = await assertionTokenRequest(stack, clientKey, MACHINE, `${stack.issuer}/token`, { 'x-forwarded-for': '10.20.30.40' });
    assert.equal(genuine.status, 200, 'the same client, its assertion addressed to the gateway');
    await new Promise((r) => setTimeout(r, 50)); // provider events are recorded just after the answer
    const issued = await firstAudit(stack, 'token.issued');
    assert.equal(issued?.clientId, MACHINE);
    assert.equal(issued?.ip, '127.0.0.0', "the audit event recorded by oidc-provider has the peer's address, not the forwarded one");
  });

  it("counts failed client authentications against the peer's address, whatever X-Forwarded-For says", async () => {
    // The budget, then one failure more: the first refused one (from it on, the address is refused).
    for (let i = 1; i <= AUTH_FAILURES_BUDGET + 1; i += 1) {
      await assertionTokenRequest(stack, clientKey, MACHINE, 'http://elsewhere.example/token', { 'x-forwarded-for': `10.20.30.${i}` });
    }
    const next = await assertionTokenRequest(stack, clientKey, MACHINE, `${stack.issuer}/token`, { 'x-forwarded-for': '10.99.99.99' });
    assert.equal(next.status, 429, 'a new X-Forwarded-For does not open a new budget');
    const hit = await firstAudit(stack, 'ratelimit.hit');
    assert.equal(hit?.reason, 'client-auth-ip');
    assert.equal(hit?.ip, '127.0.0.0');
  });
});
