/**
 * Bad input to the gateway's public endpoints: a clear error (French page for people, OAuth
 * error for relying parties), never a 5xx or a stack trace, and nothing stored.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, RP_REDIRECT, type Stack } from '../support/stack.ts';
import { parse } from 'node-html-parser';
import { TestBrowser } from '../support/browser.ts';
import { authorizationRequest } from '../support/psc-login.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'bad-input' });
});
afterAll(async () => {
  await stack.close();
});

const STACK_TRACE = /\bat [\w.<>]+ \(|node_modules|Error: /;

async function authUrlWith(params: Record<string, string>) {
  const { url } = await authorizationRequest(stack);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url;
}

describe('bad input', () => {
  it('refuses malformed or oversized authorization requests with a page, storing nothing', async () => {
    const before = await stack.keyCount();
    const cases: Array<[string, string | URL]> = [
      ['unknown client', await authUrlWith({ client_id: 'nobody' })],
      ['oversized state', await authUrlWith({ state: 'x'.repeat(5000) })],
      ['oversized query', `${(await authUrlWith({})).href}&pad=${'y'.repeat(9000)}`],
      ['too many parameters', `${(await authUrlWith({})).href}${Array.from({ length: 80 }, (_, i) => `&p${i}=1`).join('')}`],
      ['bad percent-encoding', `${(await authUrlWith({})).href}&x=%E0%A4%A`],
      ['duplicate client_id', `${(await authUrlWith({})).href}&client_id=test-rp`],
      ['missing client_id', `${stack.issuer}/auth?response_type=code&scope=openid`],
      ['redirect_uri not registered', await authUrlWith({ redirect_uri: 'http://127.0.0.1:9/other' })],
    ];
    for (const [name, url] of cases) {
      const page = await new TestBrowser().request(url);
      assert.ok(page.status >= 400 && page.status < 500, `${name}: got ${page.status}`);
      assert.equal(page.headers.get('location'), null, `${name}: no redirect to an untrusted address`);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/, name);
      assert.match(page.text, /Une erreur est survenue/, name);
      assert.doesNotMatch(page.body, STACK_TRACE, name);
    }
    assert.equal(await stack.keyCount(), before, 'nothing was stored');
  });

  it('refuses a POST authorization request that breaks the input limits as it refuses the GET one', async () => {
    const before = await stack.keyCount();
    const params = (await authUrlWith({})).search.slice(1);
    const cases: Array<[string, string]> = [
      ['oversized', `${params}&pad=${'y'.repeat(9000)}`],
      ['too many parameters', `${params}${Array.from({ length: 80 }, (_, i) => `&p${i}=1`).join('')}`],
      ['a value too long', `${params}&login_hint=${'x'.repeat(5000)}`],
      ['bad percent-encoding', `${params}&x=%E0%A4%A`],
    ];
    /** What a person sees of the refusal: status, where it sends them, the page's title, message and error code. */
    const refusal = (response: Response, html: string) => {
      const doc = parse(html);
      return {
        status: response.status,
        location: response.headers.get('location'),
        type: response.headers.get('content-type'),
        title: doc.querySelector('h1')?.text.trim(),
        message: doc.querySelector('[role="alert"]')?.text.trim(),
        code: doc.querySelector('.hint')?.text.trim(),
      };
    };
    const ask = async (url: string, init: RequestInit = {}) => {
      const response = await fetch(url, { ...init, headers: { accept: 'text/html', 'accept-language': 'fr-FR', ...init.headers }, redirect: 'manual' });
      const html = await response.text();
      assert.doesNotMatch(html, STACK_TRACE);
      return refusal(response, html);
    };
    for (const [name, serialised] of cases) {
      const get = await ask(`${stack.issuer}/auth?${serialised}`);
      const post = await ask(`${stack.issuer}/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: serialised });
      assert.equal(get.status, 400, `${name}: GET refused`);
      assert.match(get.message ?? '', /\S/, `${name}: the page says why`);
      assert.deepEqual(post, get, `${name}: POST refused as GET is`);
    }
    // Past twice the query limit, the body is not even read (413); a GET that long is refused by
    // Node's header limit before the gateway sees it.
    const huge = await ask(`${stack.issuer}/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `${params}&pad=${'y'.repeat(20_000)}`,
    });
    assert.equal(huge.status, 413);
    assert.equal(huge.location, null);
    assert.match(huge.type ?? '', /text\/html/);
    assert.equal(await stack.keyCount(), before, 'nothing was stored');
  });

  it('tells the relying party about bad parameters once its redirect_uri is trusted', async () => {
    const before = await stack.keyCount();
    for (const [params, error] of [
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ scope: 'profile' }, 'invalid_request'],
      [{ code_challenge_method: 'S512' }, 'invalid_request'],
      [{ acr_values: 'eidas9' }, undefined],
      [{ claims: '{not json' }, 'invalid_request'],
      [{ prompt: 'none login' }, 'invalid_request'],
      [{ max_age: '-3' }, 'invalid_request'],
    ] as Array<[Record<string, string>, string | undefined]>) {
      const page = await new TestBrowser().request(await authUrlWith(params));
      if (error === undefined) {
        assert.ok(page.status < 500, `${JSON.stringify(params)}: got ${page.status}`);
        continue;
      }
      assert.equal(page.status, 303, `${JSON.stringify(params)}: redirects with an error (got ${page.status})`);
      const location = new URL(page.headers.get('location')!);
      assert.ok(location.href.startsWith(RP_REDIRECT));
      const answer = location.hash ? new URLSearchParams(location.hash.slice(1)) : location.searchParams;
      assert.equal(answer.get('error'), error, JSON.stringify(params));
    }
    assert.ok((await stack.keyCount()) - before <= 1, 'only the interaction of the unknown acr value may exist');
  });

  it('answers garbage at the token, introspection and revocation endpoints with OAuth errors', async () => {
    const auth = `Basic ${Buffer.from(`test-rp:${stack.secrets['test-rp']}`).toString('base64')}`;
    const wrong = `Basic ${Buffer.from('test-rp:wrong-secret').toString('base64')}`;
    const cases: Array<[string, Record<string, string>, string, string]> = [
      [
        '/token',
        { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
        'grant_type=authorization_code&code=forged&redirect_uri=x',
        'invalid_grant',
      ],
      [
        '/token',
        { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
        'grant_type=password&username=a&password=b',
        'unsupported_grant_type',
      ],
      ['/token', { authorization: wrong, 'content-type': 'application/x-www-form-urlencoded' }, 'grant_type=refresh_token&refresh_token=x', 'invalid_client'],
      ['/token', { authorization: auth, 'content-type': 'application/json' }, '{"grant_type":', 'invalid_request'],
      ['/token/introspection', { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, 'token=', 'invalid_request'],
      ['/token/revocation', { authorization: wrong, 'content-type': 'application/x-www-form-urlencoded' }, 'token=abc', 'invalid_client'],
      // Input limits: parameter count, value length, body size (checked before oidc-provider).
      [
        '/token',
        { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
        Array.from({ length: 40 }, (_, i) => `p${i}=1`).join('&'),
        'invalid_request',
      ],
      ['/token/introspection', { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, `token=${'t'.repeat(9000)}`, 'invalid_request'],
      [
        '/token/revocation',
        { 'content-type': 'application/x-www-form-urlencoded' },
        `token=abc&client_id=test-rp&pad=${'p'.repeat(60_000)}`,
        'invalid_request',
      ],
      ['/token', { 'content-type': 'application/x-www-form-urlencoded' }, 'grant_type=refresh_token&refresh_token=x&client_id=%E0%A4%A', 'invalid_client'],
    ];
    for (const [path, headers, body, error] of cases) {
      const response = await fetch(`${stack.issuer}${path}`, { method: 'POST', headers, body });
      assert.ok(response.status >= 400 && response.status < 500, `${path} ${body}: ${response.status}`);
      assert.equal(((await response.json()) as { error: string }).error, error, `${path} ${body}`);
    }
  });

  it('refuses unknown or forged interactions and oversized bodies with a French page', async () => {
    const before = await stack.keyCount();
    const browser = new TestBrowser();
    const checks: Array<[string, string | undefined, number]> = [
      ['/interaction/doesnotexist123', undefined, 400],
      ['/interaction/%7Bbad%7D', undefined, 400],
      // A form post without the page's CSRF token is refused before anything is looked up.
      ['/interaction/doesnotexist123/psc', 'POST', 403],
      ['/interaction/doesnotexist123/abort', 'POST', 403],
      ['/interaction/doesnotexist123/consent', 'POST', 403],
      ['/interaction/doesnotexist123/psc/done', undefined, 400],
      ['/interaction/doesnotexist123/psc/failure', undefined, 400],
      ['/interaction/doesnotexist123/unmet', undefined, 400],
      ['/nowhere', undefined, 404],
      ['/static/nope.css', undefined, 404],
      ['/static/vendor/simplewebauthn/nope.js', undefined, 404],
    ];
    for (const [path, method, status] of checks) {
      const page = await browser.request(`${stack.issuer}${path}`, method ? { method, form: { a: '1' } } : {});
      assert.equal(page.status, status, path);
      assert.match(page.text, /Une erreur est survenue/, path);
      assert.doesNotMatch(page.body, STACK_TRACE, path);
    }
    const big = await browser.request(`${stack.issuer}/interaction/doesnotexist123/abort`, { form: { pad: 'z'.repeat(100_000) } });
    assert.equal(big.status, 413);
    assert.match(big.text, /trop volumineuse/);
    assert.equal(await stack.keyCount(), before);
  });

  it('serves pages with a strict Content-Security-Policy and no framing', async () => {
    const { url } = await authorizationRequest(stack);
    const login = await new TestBrowser().follow(url);
    const csp = login.page!.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(login.page!.headers.get('x-frame-options'), 'DENY');
    assert.equal(login.page!.doc.querySelectorAll('script:not([src]), [style]').length, 0, 'no inline script or style');
  });
});
