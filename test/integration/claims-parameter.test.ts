/**
 * The `claims` parameter releases only what the client's registered scopes cover: a client
 * registered with `scope: "openid"` that asks for professional or profile claims through
 * `claims` (ID token and userinfo) does not get them, first-party or third-party; a client whose
 * scopes cover them does. The consent page lists every claim the application will receive.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser, type Page } from '../support/browser.ts';
import { authorizationRequest, exchange, isRpRedirect, loginAtPsc, signIn, type AuthorizationRequest } from '../support/psc-login.ts';

/** Claims outside `openid`: profile's names, scope_all's professional data. */
const ASKED = ['SubjectRefPro', 'SubjectOrganization', 'given_name', 'family_name', 'psc_verified_at'];
const asked = Object.fromEntries(ASKED.map((c) => [c, null]));
const CLAIMS = JSON.stringify({ id_token: { ...asked, acr: { essential: true } }, userinfo: asked });

const listedClaims = (page: Page) => page.doc.querySelectorAll('.scope-list [data-claim]').map((li) => li.getAttribute('data-claim'));

/** From the authorization request through PSC to the consent page (or the RP when there is none). */
async function toConsent(stack: Stack, browser: TestBrowser, request: AuthorizationRequest) {
  const first = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
  return first.page ? loginAtPsc(browser, first.page, {}) : first;
}

async function allow(browser: TestBrowser, request: AuthorizationRequest, consent: Page) {
  const allowed = await browser.submit(consent, 'form[action$="/consent"]', {}, { stopAt: isRpRedirect });
  assert.ok(allowed.stoppedAt?.searchParams.get('code'), `consent leads back with a code: ${allowed.stoppedAt?.href}`);
  return exchange({ ...request, callback: allowed.stoppedAt! });
}

async function userinfo(request: AuthorizationRequest, tokens: Awaited<ReturnType<typeof exchange>>) {
  return client.fetchUserInfo(request.config, tokens.access_token, tokens.claims()!.sub);
}

describe('claims parameter, clients registered with scope "openid" only', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: 'claims-narrow', clientOverrides: { 'test-rp': { scope: 'openid' }, 'third-party-rp': { scope: 'openid' } } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('a first-party application gets none of the claims outside its scopes, in the ID token or userinfo, again on single sign-on', async () => {
    const browser = new TestBrowser();
    for (const round of ['first sign-in', 'single sign-on']) {
      const request = await signIn(stack, browser, { params: { scope: 'openid', claims: CLAIMS } });
      const tokens = await exchange(request);
      const idToken = tokens.claims()!;
      for (const claim of ASKED) assert.equal(idToken[claim], undefined, `${round}: ${claim} stays out of the ID token`);
      assert.equal(idToken.sub, '899700427885');
      assert.equal(idToken.acr, 'eidas3', 'acr is always released');
      assert.ok(Array.isArray(idToken.amr) && typeof idToken.auth_time === 'number');
      const info = await userinfo(request, tokens);
      for (const claim of ASKED) assert.equal(info[claim], undefined, `${round}: ${claim} stays out of userinfo`);
      assert.deepEqual(Object.keys(info), ['sub']);
    }
  });

  it('a third-party application: the consent page lists only what it will receive, and consenting grants nothing more', async () => {
    const browser = new TestBrowser();
    const request = await authorizationRequest(stack, { clientId: 'third-party-rp', params: { scope: 'openid', claims: CLAIMS } });
    const consent = (await toConsent(stack, browser, request)).page!;
    assert.equal(consent.status, 200);
    assert.deepEqual(listedClaims(consent).sort(), ['acr', 'amr', 'auth_time', 'sub']);
    assert.match(consent.text, /votre identifiant national \(RPPS\/ADELI\)/);
    assert.doesNotMatch(consent.text, /prénom|données professionnelles|structure/);
    const tokens = await allow(browser, request, consent);
    const idToken = tokens.claims()!;
    for (const claim of ASKED) assert.equal(idToken[claim], undefined, `${claim} stays out of the ID token`);
    const info = await userinfo(request, tokens);
    assert.deepEqual(Object.keys(info), ['sub']);

    const again = await authorizationRequest(stack, { clientId: 'third-party-rp', params: { scope: 'openid', claims: CLAIMS } });
    const sso = await browser.follow(again.url, {}, { stopAt: isRpRedirect });
    assert.ok(sso.stoppedAt?.searchParams.get('code'), 'nothing new to consent to: straight back with a code');
    const second = await exchange({ ...again, callback: sso.stoppedAt! });
    for (const claim of ASKED) assert.equal(second.claims()![claim], undefined, `${claim} stays out on the second request`);
  });
});

describe('claims parameter, clients whose scopes cover the claims', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: 'claims-wide' });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('a first-party application registered for profile and scope_all gets them through claims while asking scope "openid"', async () => {
    const request = await signIn(stack, new TestBrowser(), { params: { scope: 'openid', claims: CLAIMS } });
    const tokens = await exchange(request);
    const idToken = tokens.claims()!;
    for (const claim of ASKED) assert.notEqual(idToken[claim], undefined, `${claim} is in the ID token`);
    const info = await userinfo(request, tokens);
    for (const claim of ASKED) assert.notEqual(info[claim], undefined, `${claim} is in userinfo`);
  });

  it('a third-party application: the consent page names every claim in French and English, then they are released', async () => {
    const browser = new TestBrowser();
    const request = await authorizationRequest(stack, { clientId: 'third-party-rp', params: { scope: 'openid', claims: CLAIMS } });
    const consent = (await toConsent(stack, browser, request)).page!;
    assert.equal(consent.status, 200);
    assert.deepEqual(listedClaims(consent).sort(), [
      'SubjectOrganization',
      'SubjectRefPro',
      'acr',
      'amr',
      'auth_time',
      'family_name',
      'given_name',
      'psc_verified_at',
      'sub',
    ]);
    for (const text of [
      /votre prénom/,
      /votre nom de famille/,
      /vos données professionnelles/,
      /le nom de votre structure d'exercice/,
      /la date à laquelle Pro Santé Connect/,
    ])
      assert.match(consent.text, text);
    const english = await browser.request(`${consent.url.split('?')[0]}?lang=en`);
    for (const text of [
      /your first name/,
      /your last name/,
      /your professional data/,
      /the name of the organisation you work for/,
      /when Pro Santé Connect last/,
    ])
      assert.match(english.text, text);
    assert.doesNotMatch(english.text, /consent\.claim\./, 'no untranslated key');

    const tokens = await allow(browser, request, consent);
    const idToken = tokens.claims()!;
    for (const claim of ASKED) assert.notEqual(idToken[claim], undefined, `${claim} is in the ID token`);
    const info = await userinfo(request, tokens);
    for (const claim of ASKED) assert.notEqual(info[claim], undefined, `${claim} is in userinfo`);
  });

  it('a third-party application asking scope_all: the page lists each of its claims', async () => {
    const browser = new TestBrowser();
    const request = await authorizationRequest(stack, { clientId: 'third-party-rp' });
    const consent = (await toConsent(stack, browser, request)).page!;
    const listed = listedClaims(consent);
    for (const claim of [
      'sub',
      'given_name',
      'family_name',
      'name',
      'preferred_username',
      'updated_at',
      'SubjectNameID',
      'SubjectRefPro',
      'SubjectOrganization',
      'SubjectOrganizationID',
      'SubjectRole',
      'otherIds',
      'psc_verified_at',
    ]) {
      assert.ok(listed.includes(claim), `${claim} is listed`);
    }
    assert.doesNotMatch(consent.text, /consent\.claim\./, 'no untranslated key');
  });
});
