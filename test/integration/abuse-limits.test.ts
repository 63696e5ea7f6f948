/**
 * Abuse limits over real HTTP, each on a stack with small budgets: sign-in steps per client
 * address (authorization requests by GET or POST alike, in one budget), failed key sign-ins
 * per account (the key path closes, PSC stays open), token
 * requests per relying party (requests that fail client authentication are not the client's
 * and are counted against the address instead) — pushed authorization requests count the same
 * way, in the same budget. Refusals are 429 with Retry-After, in the
 * form each caller reads (French page, ceremony JSON, OAuth JSON), audited once per window.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser, type Page } from '../support/browser.ts';
import { createSoftAuthenticator, type SoftAuthenticator } from '../support/soft-authenticator.ts';
import { authorizationRequest, exchange, isRpRedirect, signIn } from '../support/psc-login.ts';
import { ceremony, followToRp, interactionPath, loginPage, pscUntilNextStep } from '../support/key-journey.ts';

async function rateLimitEvents(stack: Stack) {
  return (await stack.gateways[0]!.auditLog.range({})).filter((e) => e.type === 'ratelimit.hit');
}

describe('sign-in steps per client address', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: 'limits-ip', overrides: { 'limits.signinPerIp.points': 6, 'limits.signinPerIp.seconds': 60 } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('refuses the steps past the budget with 429 + Retry-After: a French page, JSON for the scripts, one audit event', async () => {
    const browser = new TestBrowser();
    const { base } = await loginPage(stack, browser); // 1 step: the authorization request
    for (let i = 0; i < 5; i += 1) {
      const options = await browser.request(`${stack.issuer}${base}/webauthn/options`, { json: {} });
      assert.equal(options.status, 200, `step ${i + 2} is within the budget`);
    }
    const refused = await browser.request(`${stack.issuer}${base}/webauthn/options`, { json: {} });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0 && Number(refused.headers.get('retry-after')) <= 60);
    assert.equal((refused.json as { error: string }).error, 'rate_limited');
    assert.match((refused.json as { message: string }).message, /Trop de tentatives/);

    const page = await browser.request(`${stack.issuer}${base}/psc`, { method: 'POST', form: { _csrf: 'rate-limited-before-it-is-read' } });
    assert.equal(page.status, 429);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.text, /Trop de tentatives de connexion/);
    const auth = await new TestBrowser().request(`${stack.issuer}/auth?client_id=test-rp`);
    assert.equal(auth.status, 429, 'a new authorization request from this address too');

    const events = await rateLimitEvents(stack);
    assert.equal(events.length, 1, 'audited once per window, not once per refused request');
    assert.equal(events[0]!.outcome, 'failure');
    assert.equal(events[0]!.details?.limit, 'signin-ip');
    assert.equal(events[0]!.details?.route, 'POST /interaction/:uid/webauthn/options');
  });
});

describe('authorization requests by POST, in the same sign-in budget', () => {
  let stack: Stack;
  // Each test spends the whole budget of this address: a stack (and so a budget) each.
  beforeEach(async () => {
    stack = await startStack({ name: 'limits-post-auth', overrides: { 'limits.signinPerIp.points': 6, 'limits.signinPerIp.seconds': 60 } });
  });
  afterEach(async () => {
    await stack.close();
  });

  /** A relying party's authorization request, form-encoded in a POST (OIDC Core §3.1.2.1). */
  async function authForm() {
    return Object.fromEntries((await authorizationRequest(stack)).url.searchParams);
  }
  /** POST /auth, its 303 to GET /auth not followed. */
  async function postAuth() {
    return new TestBrowser().request(`${stack.issuer}/auth`, { method: 'POST', form: await authForm() });
  }
  /** GET /auth, its redirect to the sign-in page not followed. */
  async function getAuth() {
    return new TestBrowser().request((await authorizationRequest(stack)).url);
  }
  function assertAccepted(page: Page, what: string, to: RegExp) {
    assert.equal(page.status, 303, `${what}: ${page.status} ${page.text.slice(0, 200)}`);
    assert.match(page.headers.get('location') ?? '', to, what);
  }
  /** The refusal of a sign-in step past the budget, whichever the method: 429, Retry-After, the French page. */
  function assertRefused(page: Page, what: string) {
    assert.equal(page.status, 429, what);
    const retryAfter = Number(page.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 60, `${what}: Retry-After ${page.headers.get('retry-after')}`);
    assert.equal(page.headers.get('location'), null, `${what}: sent neither on to GET nor back to the relying party`);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/, what);
    assert.match(page.text, /Trop de tentatives de connexion/, what);
  }
  const alertOf = (page: Page) => page.doc.querySelector('[role="alert"]')?.text.trim();

  it('counts each POST as a step; past the budget a POST is refused as a GET is (429, Retry-After, the French page), audited once', async () => {
    // A POST the browser follows is two steps: the POST, then the GET it is sent to
    // (docs: a POST and the GET it leads to count as two sign-in steps).
    for (let i = 0; i < 2; i += 1) {
      const followed = await new TestBrowser().follow(`${stack.issuer}/auth`, { method: 'POST', form: await authForm() }, { stopAt: isRpRedirect });
      assert.equal(followed.page?.status, 200, `POST ${i + 1}, followed, reaches the sign-in page`);
    }
    for (let i = 0; i < 2; i += 1) assertAccepted(await postAuth(), `POST ${i + 3} is within the budget`, /^\/auth\?/);

    const refusedPost = await postAuth();
    assertRefused(refusedPost, 'a POST past the budget');
    const refusedGet = await getAuth();
    assertRefused(refusedGet, 'a GET past the budget');
    assert.equal(alertOf(refusedPost), alertOf(refusedGet), 'the same message');

    const events = await rateLimitEvents(stack);
    assert.equal(events.length, 1, 'audited once per window');
    assert.equal(events[0]!.details?.limit, 'signin-ip');
    assert.equal(events[0]!.details?.route, 'POST /auth');
  });

  it('shares one budget between GET and POST', async () => {
    for (let i = 0; i < 3; i += 1) {
      assertAccepted(await getAuth(), `GET ${i + 1}`, /^\/interaction\//);
      assertAccepted(await postAuth(), `POST ${i + 1}`, /^\/auth\?/);
    }
    assertRefused(await getAuth(), 'a GET after three GETs and three POSTs');
    assertRefused(await postAuth(), 'a POST after them');
    const events = await rateLimitEvents(stack);
    assert.deepEqual(
      events.map((e) => `${e.details?.limit} ${e.details?.route}`),
      ['signin-ip GET /auth'],
    );
  });
});

describe('failed key sign-ins per account', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: 'limits-account', overrides: { 'limits.keyFailuresPerAccount.points': 2, 'limits.keyFailuresPerAccount.seconds': 900 } });
  });
  afterAll(async () => {
    await stack.close();
  });

  async function enrol(practitioner: string, key: SoftAuthenticator) {
    const browser = new TestBrowser();
    const { page } = await pscUntilNextStep(stack, browser, { practitioner, means: 'card' });
    const { verify } = await ceremony(browser, stack, interactionPath(page!), 'enrol', key, { name: 'Clé' });
    await followToRp(browser, stack, verify);
  }

  async function keySignIn(key: SoftAuthenticator, context: Record<string, unknown> = {}) {
    const browser = new TestBrowser();
    const { base } = await loginPage(stack, browser);
    return { browser, ...(await ceremony(browser, stack, base, 'webauthn', key, {}, context)) };
  }

  it('closes the key path of that account only, after the budget of failures; PSC stays open', async () => {
    const key = createSoftAuthenticator();
    const other = createSoftAuthenticator();
    await enrol('810104567894', key);
    await enrol('810105678905', other);

    for (let i = 0; i < 3; i += 1) {
      const { verify } = await keySignIn(key, { userVerified: false });
      assert.equal(verify.status, 400, `failure ${i + 1} is an ordinary refusal`);
    }
    // Past the budget (more than 2 failures), even a good assertion is refused — with a pointer to PSC.
    const { verify } = await keySignIn(key);
    assert.equal(verify.status, 429);
    assert.ok(Number(verify.headers.get('retry-after')) > 0);
    assert.equal((verify.json as { error: string }).error, 'rate_limited');
    assert.match((verify.json as { message: string }).message, /Pro Santé Connect/);

    const { browser: otherBrowser, verify: otherVerify } = await keySignIn(other);
    assert.equal(otherVerify.status, 200, 'another clinician is not affected');
    await followToRp(otherBrowser, stack, otherVerify);

    const viaPsc = await signIn(stack, new TestBrowser(), { choice: { practitioner: '810104567894', means: 'card' } });
    assert.ok((await exchange(viaPsc)).access_token, 'the clinician signs in with PSC meanwhile');

    const events = await rateLimitEvents(stack);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.actor, '810104567894');
    assert.equal(events[0]!.details?.limit, 'key-failures-account');
  });
});

describe('token endpoint per relying party', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: 'limits-token', overrides: { 'limits.tokenPerClient.points': 4, 'limits.clientAuthFailuresPerIp.points': 3 } });
  });
  afterAll(async () => {
    await stack.close();
  });

  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  async function token(authorization: string | undefined, form: Record<string, string> | URLSearchParams, path = '/token') {
    const response = await fetch(`${stack.issuer}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
      body: new URLSearchParams(form),
    });
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as { error?: string; error_description?: string },
    };
  }

  it("counts each client's requests, gives back those that fail client authentication, and refuses address that guesses secrets", async () => {
    const signedIn = await signIn(stack, new TestBrowser());
    const { refresh_token } = await exchange(signedIn);
    const testRp = basic('test-rp', stack.secrets['test-rp']!);

    // Someone else naming test-rp with a wrong secret (401), or so badly that the request is
    // refused before any authentication (400): test-rp's budget is untouched.
    assert.equal((await token(basic('test-rp', 'wrong-secret'), { grant_type: 'client_credentials' })).status, 401);
    assert.equal(
      (await token(basic('test-rp', 'wrong-secret'), { token: 'x' }, '/token/introspection')).status,
      401,
      'introspection counts as a failed authentication too',
    );
    const twice = new URLSearchParams([
      ['grant_type', 'refresh_token'],
      ['refresh_token', 'x'],
      ['client_id', 'test-rp'],
      ['client_id', 'test-rp'],
    ]);
    for (let i = 0; i < 5; i += 1) assert.equal((await token(undefined, twice)).status, 400);
    // The exchange above spent 1 of test-rp's 4; three more go through (whatever their grant's fate).
    assert.equal((await token(testRp, { grant_type: 'refresh_token', refresh_token: refresh_token! })).status, 200);
    assert.equal((await token(testRp, { grant_type: 'refresh_token', refresh_token: 'not-a-token' })).status, 400);
    assert.equal(
      (await token(testRp, { grant_type: 'refresh_token', refresh_token: 'another-non-token' })).status,
      400,
      "a refused grant is still the client's request",
    );
    const refused = await token(testRp, { grant_type: 'refresh_token', refresh_token: 'x' });
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error, 'temporarily_unavailable');
    assert.ok(Number(refused.retryAfter) > 0);
    assert.equal(
      (await token(basic('third-party-rp', stack.secrets['third-party-rp']!), { grant_type: 'refresh_token', refresh_token: 'x' })).status,
      400,
      'another client keeps its budget',
    );

    // Two failed authentications so far from this address; the budget is 3: one more is allowed, then refused.
    assert.equal((await token(basic('jwt-userinfo-rp', 'guess-1'), { grant_type: 'client_credentials' })).status, 401);
    assert.equal((await token(basic('jwt-userinfo-rp', 'guess-2'), { grant_type: 'client_credentials' })).status, 401);
    const guessing = await token(basic('jwt-userinfo-rp', stack.secrets['jwt-userinfo-rp']!), { grant_type: 'refresh_token', refresh_token: 'x' });
    assert.equal(guessing.status, 429, 'even the right secret, from an address that guesses');

    const limits = (await rateLimitEvents(stack)).map((e) => `${e.details?.limit}:${e.clientId ?? ''}`).sort();
    assert.deepEqual(limits, ['client-auth-ip:', 'token-client:test-rp']);
  });
});

describe('pushed authorization requests per relying party', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: 'limits-par', overrides: { 'limits.tokenPerClient.points': 3, 'limits.clientAuthFailuresPerIp.points': 2 } });
  });
  afterAll(async () => {
    await stack.close();
  });

  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  async function push(clientId: string, secret: string) {
    const response = await fetch(`${stack.issuer}/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, secret) },
      body: new URLSearchParams({
        client_id: clientId,
        response_type: 'code',
        redirect_uri: 'http://127.0.0.1:9/cb',
        scope: 'openid',
        code_challenge: 'x'.repeat(43),
        code_challenge_method: 'S256',
      }),
    });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { error?: string } };
  }

  it("each stored request counts against the client's budget, shared with /token; failed authentications count against the address", async () => {
    const testRp = stack.secrets['test-rp']!;
    for (let i = 0; i < 3; i += 1) assert.equal((await push('test-rp', testRp)).status, 201, `push ${i + 1} is within the budget`);
    const refused = await push('test-rp', testRp);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error, 'temporarily_unavailable');
    assert.ok(Number(refused.retryAfter) > 0);
    const token = await fetch(`${stack.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('test-rp', testRp) },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x' }),
    });
    assert.equal(token.status, 429, 'the token endpoint shares the budget');

    assert.equal((await push('third-party-rp', 'guess-1')).status, 401, "a wrong secret is not third-party-rp's request");
    assert.equal((await push('third-party-rp', 'guess-2')).status, 401);
    assert.equal((await push('third-party-rp', 'guess-3')).status, 401, "answered, and past the address's budget of 2");
    assert.equal(
      (await push('third-party-rp', stack.secrets['third-party-rp']!)).status,
      429,
      'the address that guessed is refused, even with the right secret',
    );
    const limits = (await rateLimitEvents(stack)).map((e) => `${e.details?.limit}:${e.clientId ?? ''}:${e.details?.route}`).sort();
    assert.deepEqual(limits, ['client-auth-ip::POST /request', 'token-client:test-rp:POST /request']);
  });
});
