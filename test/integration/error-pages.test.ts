/**
 * Error pages say once what happened and offer a real way back: a link to the application
 * when it is known (the interaction's client, or the client of an oidc-provider error: its
 * registered client_uri, else its first post_logout_redirect_uri; the account portal for the
 * staff pages), else what to do. *Back* after a finished sign-in lands on such a page.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, RP_POST_LOGOUT, type Stack } from '../support/stack.ts';
import { TestBrowser, type Page } from '../support/browser.ts';
import { authorizationRequest, exchange, isRpRedirect, loginAtPsc, signIn } from '../support/psc-login.ts';

const HOME = 'http://127.0.0.1:9/home';
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    name: 'error-pages',
    clientOverrides: { 'jwt-userinfo-rp': { client_uri: HOME } },
    overrides: { 'pilot.staffIdNats': ['899700427885'] },
  });
});
afterAll(async () => {
  await stack.close();
});

/** The page's way back: its links (href and text) after the message. */
function backLinks(page: Page) {
  return page.doc.querySelectorAll('main a').map((a) => ({ href: a.getAttribute('href'), text: a.text.trim() }));
}

/** How many times the page tells the person to start again from their application. */
function startAgainCount(page: Page): number {
  return (page.text.match(/recommence[zr]|relancez/gi) ?? []).length;
}

/** Signs in through PSC up to the enrolment offer, declines it; returns the enrolment page's URL. */
async function finishedSignIn(browser: TestBrowser, clientId = 'test-rp') {
  const request = await authorizationRequest(stack, { clientId });
  const first = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
  const enrol = (await loginAtPsc(browser, first.page!, {}, { skipEnrolment: false })).page;
  if (!enrol?.doc.querySelector('form[action$="/enrol/skip"]')) throw new Error(`expected the enrolment offer, got: ${enrol?.text}`);
  const done = await browser.submit(enrol, 'form[action$="/enrol/skip"]', {}, { stopAt: isRpRedirect });
  assert.ok(done.stoppedAt, 'back at the application');
  return { enrolUrl: enrol.url, loginUrl: first.page!.url };
}

describe('Back after a finished sign-in', () => {
  it("the enrolment and sign-in pages, visited again: the step is over, said once, and a link to the application's registered home page", async () => {
    const browser = new TestBrowser();
    const { enrolUrl, loginUrl } = await finishedSignIn(browser, 'jwt-userinfo-rp');
    for (const url of [enrolUrl, loginUrl]) {
      const page = await browser.request(url);
      assert.equal(page.status, 400, url);
      assert.match(page.text, /Cette étape de connexion est terminée ou a expiré/);
      assert.ok(startAgainCount(page) <= 1, `one instruction, not two: ${page.text}`);
      assert.deepEqual(backLinks(page), [{ href: HOME, text: 'Revenir à Application userinfo signé' }], url);
    }
  });

  it("without a registered home page: the application's first post-logout address", async () => {
    const browser = new TestBrowser();
    const { enrolUrl } = await finishedSignIn(browser, 'test-rp');
    const page = await browser.request(enrolUrl);
    assert.deepEqual(backLinks(page), [{ href: RP_POST_LOGOUT, text: 'Revenir à Application de test' }]);
    assert.ok(startAgainCount(page) <= 1, page.text);
  });

  it('an interaction this gateway does not know: no link, but what to do', async () => {
    const page = await new TestBrowser().request(`${stack.issuer}/interaction/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/enrol`);
    assert.equal(page.status, 400);
    assert.deepEqual(backLinks(page), []);
    assert.match(page.text, /Revenez à votre application \(l'onglet ou la fenêtre d'où vous venez\) et, si nécessaire, recommencez depuis celle-ci\./);
    assert.equal(startAgainCount(page), 1, page.text);
    assert.doesNotMatch(page.text, /Revenez à votre application pour recommencer/);
  });
});

describe('errors of oidc-provider and of the staff pages', () => {
  it("a refused redirect_uri: a link to the application's registered home page, never to the refused address", async () => {
    const request = await authorizationRequest(stack, { clientId: 'jwt-userinfo-rp', params: { redirect_uri: 'https://attacker.example/' } });
    const page = await new TestBrowser().request(request.url);
    assert.equal(page.status, 400);
    assert.match(page.text, /adresse de retour/);
    assert.deepEqual(backLinks(page), [{ href: HOME, text: 'Revenir à Application userinfo signé' }]);
    assert.doesNotMatch(page.doc.querySelector('main')!.innerHTML, /attacker\.example/);
  });

  it('an application that registers no address: named, with what to do', async () => {
    const request = await authorizationRequest(stack, { clientId: 'third-party-rp', params: { redirect_uri: 'https://attacker.example/' } });
    const page = await new TestBrowser().request(request.url);
    assert.deepEqual(backLinks(page), []);
    assert.match(page.text, /Revenez à Application tierce et, si nécessaire, recommencez depuis l'application\./);
  });

  it('an unknown client: no link, what to do', async () => {
    const request = await authorizationRequest(stack, { params: { client_id: 'nobody' } });
    const page = await new TestBrowser().request(request.url);
    assert.equal(page.status, 400);
    assert.deepEqual(backLinks(page), []);
    assert.match(page.text, /Revenez à votre application/);
  });

  it('/pilot for a clinician outside the pilot team: a link to their account page', async () => {
    const browser = new TestBrowser();
    await exchange(await signIn(stack, browser, { choice: { practitioner: '810101234561', means: 'card' } }));
    const page = await browser.request(`${stack.issuer}/pilot`);
    assert.equal(page.status, 403);
    assert.deepEqual(backLinks(page), [{ href: '/account', text: 'Revenir à Mon espace HospiConnect' }]);
  });

  it('the PSC answer page for an expired state says what to do once', async () => {
    const page = await new TestBrowser().request(`${stack.issuer}/federation/psc/callback?state=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&code=x`);
    assert.equal(page.status, 400);
    assert.match(page.text, /Cette réponse de Pro Santé Connect est expirée/);
    assert.equal(startAgainCount(page), 1, page.text);
  });

  it('English pages too', async () => {
    const page = await new TestBrowser().request(`${stack.issuer}/interaction/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA?lang=en`);
    assert.match(page.text, /Go back to your application \(the tab or window you came from\) and, if needed, start again from there\./);
  });
});
