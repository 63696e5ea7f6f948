/**
 * PSC metadata: from PSC's non-standard discovery path (default, covered everywhere else),
 * from the standard path, or set by hand with the authorization endpoint on another host
 * (PSC's wallet host). A discovery document naming another issuer is refused.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { authorizationRequest, exchange, isRpRedirect, signIn } from '../support/psc-login.ts';
import { ENDPOINTS, AUTH_ALIAS_PATH } from '../../src/sandbox/psc/index.ts';
import { csrfOf } from '../support/key-journey.ts';

describe('PSC metadata set by hand (split hosts)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      name: 'psc-manual',
      overrides: (psc) => ({
        'psc.discovery': 'manual',
        'psc.metadata': {
          authorization_endpoint: `${psc.url.replace('localhost', '127.0.0.1')}${AUTH_ALIAS_PATH}`,
          token_endpoint: `${psc.issuer}${ENDPOINTS.token}`,
          userinfo_endpoint: `${psc.issuer}${ENDPOINTS.userinfo}`,
          jwks_uri: `${psc.issuer}${ENDPOINTS.jwks}`,
        },
      }),
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('sends the clinician to the wallet host and signs in', async () => {
    const browser = new TestBrowser();
    const request = await authorizationRequest(stack);
    const login = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    const toPsc = await browser.request(new URL(login.page!.doc.querySelector('form[action$="/psc"]')!.getAttribute('action')!, stack.issuer), {
      method: 'POST',
      form: { _csrf: csrfOf(login.page!) },
    });
    assert.equal(toPsc.status, 303);
    assert.match(toPsc.headers.get('location')!, /^http:\/\/127\.0\.0\.1:\d+\/auth\?/);
    assert.match(
      toPsc.headers.get('content-security-policy') ?? '',
      /form-action[^;]*http:\/\/127\.0\.0\.1:\d+/,
      'the wallet host may be reached by our forms',
    );
    const tokens = await exchange(await signIn(stack, new TestBrowser()));
    assert.equal(tokens.claims()!.acr, 'eidas3');
  });
});

describe('PSC standard discovery path', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: 'psc-standard', overrides: { 'psc.discovery': 'standard' } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('signs in', async () => {
    const tokens = await exchange(await signIn(stack, new TestBrowser(), { choice: { means: 'ecps' } }));
    assert.equal(tokens.claims()!.acr, 'eidas2');
  });
});

describe('PSC discovery naming another issuer', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: 'psc-mismatch', overrides: (psc) => ({ 'psc.issuer': psc.issuer.replace('localhost', '127.0.0.1') }) });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('is refused with a French page; the RP gets access_denied', async () => {
    const browser = new TestBrowser();
    const request = await authorizationRequest(stack);
    const login = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    const page = await browser.submit(login.page!, 'form[action$="/psc"]');
    assert.equal(page.page?.status, 502);
    assert.match(page.page!.text, /contrôles de sécurité/);
    const back = await browser.submit(page.page!, 'form[action$="/abort"]', {}, { stopAt: isRpRedirect });
    assert.equal(back.stoppedAt?.searchParams.get('error'), 'access_denied');
  });
});
