/**
 * Where the language link of each kind of page leads, over HTTP: a page reached by a one-time
 * address (PSC's callback, /psc/done, the resumption of an authorization) or answering a form
 * never links to that address, but to one that shows the same step again (PSC failure, level
 * too low, the interaction, /account) and consumes nothing — or, when there is none, has no link.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser, type Page } from '../support/browser.ts';
import { authorizationRequest, exchange, isRpRedirect, loginAtPsc, signIn } from '../support/psc-login.ts';
import { interactionPath } from '../support/key-journey.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    name: 'lang-switch',
    clientOverrides: {
      'third-party-rp': { min_acr: 'eidas3' },
      'jwt-userinfo-rp': { webauthn_enrolment: 'required' },
    },
  });
});
afterAll(async () => {
  await stack.close();
});

const isCallback = (url: URL) => url.pathname === '/federation/psc/callback';

/** The language link's address (relative), or undefined when the page has none. */
function languageLink(page: Page): string | undefined {
  return page.doc.querySelector('a.lang-switch')?.getAttribute('href') ?? undefined;
}

/** Follows the page's language link, back, and again: the same step each time, nothing used up. */
async function switchTwice(browser: TestBrowser, page: Page, to: 'fr' | 'en'): Promise<Page> {
  const follow = async (from: Page, lang: string) => {
    const href = languageLink(from);
    assert.ok(href, `a language link on ${from.url}`);
    assert.equal(new URL(href, stack.issuer).searchParams.get('lang'), lang);
    const shown = await browser.request(new URL(href, stack.issuer));
    assert.equal(shown.doc.querySelector('html')?.getAttribute('lang'), lang);
    return shown;
  };
  const there = await follow(page, to);
  const back = await follow(there, to === 'en' ? 'fr' : 'en');
  const again = await follow(back, to);
  assert.equal(again.status, there.status, 'shown again the same way');
  assert.equal(again.text, there.text);
  return there;
}

async function toPsc(browser: TestBrowser, clientId = 'test-rp') {
  const request = await authorizationRequest(stack, { clientId });
  const login = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
  const psc = await browser.submit(login.page!, 'form[action$="/psc"]');
  return { request, login: login.page!, psc: psc.page! };
}

describe("the language link of the journey's pages", () => {
  it('PSC refusal (at the callback): links to /psc/failure, which shows it again; the RP still gets access_denied', async () => {
    const browser = new TestBrowser();
    const { request, login, psc } = await toPsc(browser);
    const refused = await browser.submit(psc, 'form.login-form', { action: 'refuse' }, { stopAt: isRpRedirect });
    assert.equal(refused.page?.status, 200);
    assert.ok(isCallback(new URL(refused.page!.url)), 'the refusal page answers the callback');
    assert.equal(languageLink(refused.page!), `${interactionPath(login)}/psc/failure?lang=en`);

    const english = await switchTwice(browser, refused.page!, 'en');
    assert.equal(english.status, 200);
    assert.match(english.text, /You declined the sign-in at Pro Santé Connect/);
    assert.ok(english.doc.querySelector('form[action$="/psc"]'), 'still offers to try again');
    const back = await browser.submit(english, 'form[action$="/abort"]', {}, { stopAt: isRpRedirect });
    assert.equal(back.stoppedAt?.searchParams.get('error'), 'access_denied');
    assert.equal(back.stoppedAt?.searchParams.get('state'), request.checks.expectedState);
  });

  it('an answer failing verification: shown again with its status; no retry button', async () => {
    const browser = new TestBrowser();
    const { psc } = await toPsc(browser);
    const back = await browser.submit(psc, 'form.login-form', { action: 'login', practitioner: '810106789016', means: 'card' }, { stopAt: isCallback });
    stack.psc.faults = { idToken: 'bad-signature' };
    let page: Page;
    try {
      page = await browser.request(back.stoppedAt!);
    } finally {
      stack.psc.faults = {};
    }
    assert.equal(page.status, 400);
    const english = await switchTwice(browser, page, 'en');
    assert.equal(english.status, 400);
    assert.match(english.text, /failed the security checks/);
    assert.equal(english.doc.querySelector('form[action$="/psc"]'), null);
  });

  it('an unusable state: the page has no language link (nothing shows it again)', async () => {
    const page = await new TestBrowser().request(`${stack.issuer}/federation/psc/callback?code=abc&state=${'A'.repeat(43)}`);
    assert.equal(page.status, 400);
    assert.equal(languageLink(page), undefined);
    assert.doesNotMatch(page.body, /callback\?[^"]*lang=/);
  });

  it('level too low after e-CPS (at /psc/done): links to /unmet, which shows it again; going back still reports the level', async () => {
    const browser = new TestBrowser();
    const { login, psc } = await toPsc(browser, 'third-party-rp');
    const unmet = await browser.submit(psc, 'form.login-form', { action: 'login', practitioner: '810102345672', means: 'ecps' }, { stopAt: isRpRedirect });
    assert.equal(unmet.page?.status, 403);
    assert.match(new URL(unmet.page!.url).pathname, /\/psc\/done$/);
    assert.equal(languageLink(unmet.page!), `${interactionPath(login)}/unmet?lang=en`);
    const english = await switchTwice(browser, unmet.page!, 'en');
    assert.equal(english.status, 403);
    assert.match(english.text, /Application tierce requires an authentication of level/);
    assert.ok(english.doc.querySelector('form[action$="/psc"]'), 'offers the card');

    const back = await browser.submit(english, 'form[action$="/abort"]', {}, { stopAt: isRpRedirect });
    assert.equal(back.stoppedAt?.searchParams.get('error'), 'unmet_authentication_requirements', 'the reason was not used up');
  });

  it('a sign-in too weak to enrol the key an application requires: shown again with that reason', async () => {
    const browser = new TestBrowser();
    const { psc } = await toPsc(browser, 'jwt-userinfo-rp');
    const unmet = await browser.submit(
      psc,
      'form.login-form',
      { action: 'login', practitioner: '810102345672', means: 'ecps', forceAuthMode: 'unknown' },
      { stopAt: isRpRedirect },
    );
    assert.equal(unmet.page?.status, 403, unmet.page?.text);
    const english = await switchTwice(browser, unmet.page!, 'en');
    assert.match(english.text, /requires a security key, and the means used at Pro Santé Connect cannot enrol one/);
  });

  it("once a new PSC round trip starts, /psc/failure and /unmet lead to the interaction's page", async () => {
    const browser = new TestBrowser();
    const { login, psc } = await toPsc(browser);
    const refused = await browser.submit(psc, 'form.login-form', { action: 'refuse' }, { stopAt: isRpRedirect });
    await browser.submit(refused.page!, 'form[action$="/psc"]', {}, { stopAt: (url) => url.href.startsWith(stack.psc.issuer) });
    for (const step of ['psc/failure', 'unmet']) {
      const page = await browser.request(`${stack.issuer}${interactionPath(login)}/${step}?lang=en`);
      assert.equal(page.status, 303, step);
      assert.equal(page.headers.get('location'), interactionPath(login));
    }
  });

  it("a page answering a form links to the step it belongs to, never to the form's address", async () => {
    const browser = new TestBrowser();
    const request = await authorizationRequest(stack, { clientId: 'third-party-rp' });
    const login = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    const consent = await loginAtPsc(browser, login.page!, { practitioner: '810101234561', means: 'card' });
    assert.ok(consent.page?.doc.querySelector('form[action$="/consent"]'), 'the consent page');
    const refused = await browser.request(`${stack.issuer}${interactionPath(consent.page!)}/consent`, { form: { _csrf: 'wrong' } });
    assert.equal(refused.status, 403);
    assert.equal(languageLink(refused), `${interactionPath(consent.page!)}?lang=en`);
    const english = await browser.request(new URL(languageLink(refused)!, stack.issuer));
    assert.match(english.text, /Application tierce asks for access to your identity/, 'the consent page, in English');
  });
});

describe("the language link of oidc-provider's pages", () => {
  it('the logout page links to itself, and the language chosen there stays for the next pages', async () => {
    const browser = new TestBrowser();
    const signedIn = await signIn(stack, browser, { choice: { practitioner: '810101234561', means: 'card' } });
    const tokens = await exchange(signedIn);
    const endUrl = client.buildEndSessionUrl(signedIn.config, { id_token_hint: tokens.id_token! });
    const logout = await browser.request(endUrl);
    const href = languageLink(logout);
    assert.equal(href, `${endUrl.pathname}${endUrl.search}&lang=en`);
    const english = await browser.request(new URL(href!, stack.issuer));
    assert.match(english.text, /Do you want to sign out of HospiConnect/);
    assert.match(english.headers.get('set-cookie') ?? '', /hc_lang=en/);

    const refused = await browser.request(`${stack.issuer}/session/end/confirm`, { form: { xsrf: 'wrong', logout: 'yes' } });
    assert.equal(refused.status, 400);
    assert.equal(refused.doc.querySelector('html')?.getAttribute('lang'), 'en', 'the chosen language, from the cookie');
    assert.equal(languageLink(refused), undefined, 'a page answering a form has no address to show it again');
  });

  it('a failed resumption of an authorization (/auth/<uid>) has no language link', async () => {
    const page = await new TestBrowser().request(`${stack.issuer}/auth/${'x'.repeat(43)}`);
    assert.ok(page.status >= 400, `refused (${page.status})`);
    assert.equal(languageLink(page), undefined);
  });
});
