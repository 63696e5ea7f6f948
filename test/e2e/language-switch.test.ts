/**
 * Switching language in the middle of every journey, in Chromium: on each page that shows
 * the language link (sign-in, PSC refusal and PSC-unavailable pages, enrolment offer, second
 * factor, step-up and level-too-low pages, consent, logout, signed-out, /account and an error
 * page reached by a form), following it shows the same step in the other language — never by
 * replaying a one-time address (PSC callback, POST result) — and the journey then finishes.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startStack, RP_REDIRECT, type Stack } from '../support/stack.ts';
import { authorizationRequest } from '../support/psc-login.ts';
import { launchChromium, pscNotAnswering, screenshot, watchConsole } from '../support/chromium.ts';

let stack: Stack;
let browser: Browser;

interface Tab {
  context: BrowserContext;
  page: Page;
  problems: string[];
  shown: { method: string; url: string };
}

/** A browser context in French with a virtual security key; it remembers how its current page was requested. */
async function openTab(): Promise<Tab> {
  const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1000, height: 900 } });
  await context.route(/^http:\/\/127\.0\.0\.1:9\//, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<title>RP</title><p>retour application</p>' }),
  );
  const page = await context.newPage();
  const tab: Tab = { context, page, problems: watchConsole(page), shown: { method: 'GET', url: '' } };
  page.on('response', (response) => {
    const request = response.request();
    if (!request.isNavigationRequest() || request.frame() !== page.mainFrame()) return;
    if (response.status() >= 300 && response.status() < 400) return;
    tab.shown = { method: request.method(), url: request.url() };
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return tab;
}

const ONE_TIME = /\/federation\/psc\/callback|\/psc\/done|\/account\/callback|\/session\/end\/confirm|[?&](code|state|error)=/;

/**
 * Follows the language link of the current page and checks that the same step comes back in
 * the other language: `same` (a locator's text, read before and after) must differ only by
 * language, and `expected` must now show.
 */
async function switchLanguage(tab: Tab, name: string, expected: RegExp) {
  const { page } = tab;
  const from = await page.getAttribute('html', 'lang');
  const to = from === 'fr' ? 'en' : 'fr';
  const link = page.getByRole('link', { name: to === 'en' ? 'English' : 'Français' });
  const href = await link.getAttribute('href');
  assert.ok(href, `${name}: a language link`);
  const target = new URL(href, page.url());
  assert.doesNotMatch(target.pathname + target.search, ONE_TIME, `${name}: the link replays no one-time address (${href})`);
  if (tab.shown.method !== 'GET') {
    assert.notEqual(target.pathname, new URL(tab.shown.url).pathname, `${name}: a page reached by ${tab.shown.method} does not link to that address`);
  }
  assert.equal(target.searchParams.get('lang'), to, `${name}: the link asks for ${to}`);
  await screenshot(page, `30-lang-${name}-${from}`);
  await link.click();
  await page.waitForSelector(`html[lang=${to}]`);
  assert.match(await page.locator('main').innerText(), expected, `${name}: the same step, in ${to}`);
  await screenshot(page, `30-lang-${name}-${to}`);
}

/** The same page 390 px wide (phone), for the screenshots. */
async function phoneScreenshot(page: Page, name: string) {
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, `30-lang-${name}-390`);
  await page.setViewportSize({ width: 1000, height: 900 });
}

beforeAll(async () => {
  stack = await startStack({
    name: 'e2e-lang-switch',
    demoApps: true,
    overrides: { 'webauthn.timeoutSeconds': 10 },
    clientOverrides: {
      'demo-dmp': { min_acr: 'eidas3', phishing_resistant: true },
      'demo-dpi': { key_after_ecps: true },
    },
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('switching language mid-journey', () => {
  let tab: Tab;
  beforeAll(async () => {
    tab = await openTab();
  });

  it('DPI: sign-in page, PSC refusal page (twice), retry, enrolment offer, then the DPI', async () => {
    const { page } = tab;
    await page.goto(`${stack.demo!.dpi}/login`);
    await page.waitForURL(/\/interaction\/[^/]+$/);
    await switchLanguage(tab, 'login', /Sign in to access DPI de démonstration/);

    await page.getByRole('button', { name: 'Sign in with Pro Santé Connect' }).click();
    await page.getByRole('button', { name: 'Refuser' }).click();
    await page.waitForSelector('.alert');
    assert.match((await page.locator('.alert').textContent()) ?? '', /You declined the sign-in/);
    await switchLanguage(tab, 'psc-refused', /Vous avez refusé la connexion sur Pro Santé Connect/);
    await phoneScreenshot(page, 'psc-refused-fr');
    await switchLanguage(tab, 'psc-refused-again', /You declined the sign-in/);
    await switchLanguage(tab, 'psc-refused-back', /Vous avez refusé la connexion sur Pro Santé Connect/);

    await page.getByRole('button', { name: 'Réessayer avec Pro Santé Connect' }).click();
    await page.getByLabel(/CLAIRE TESTMARTIN/).check();
    await page.getByLabel(/Carte CPS/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/enrol$/);
    await switchLanguage(tab, 'enrol', /Claire, sign in within seconds next time/);
    await page.getByRole('button', { name: 'Register my key or passkey' }).click();
    await page.waitForURL(`${stack.demo!.dpi}/`);
    assert.match((await page.locator('h1').textContent()) ?? '', /Bonjour Claire TESTMARTIN/);
    assert.deepEqual(tab.problems, []);
  });

  it('logout confirmation: switched, then confirmed', async () => {
    const { page } = tab;
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL(/\/session\/end\?/);
    await switchLanguage(tab, 'logout', /Voulez-vous vous déconnecter de HospiConnect/);
    await page.getByRole('button', { name: 'Oui, me déconnecter' }).click();
    await page.waitForURL(`${stack.demo!.dpi}/`);
    await page.getByRole('link', { name: 'Se connecter avec HospiConnect' }).waitFor();
  });

  it('second factor after e-CPS: switched, then confirmed with the key', async () => {
    const { page, context } = tab;
    await context.clearCookies();
    await page.goto(`${stack.demo!.dpi}/login`);
    await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await page.getByLabel(/CLAIRE TESTMARTIN/).check();
    await page.getByLabel(/Application e-CPS/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/second-factor$/);
    await switchLanguage(tab, 'second-factor', /Confirm with your security key/);
    await page.getByRole('button', { name: 'Confirm with my key' }).click();
    await page.waitForURL(`${stack.demo!.dpi}/`);
    assert.match((await page.locator('h1').textContent()) ?? '', /Bonjour Claire TESTMARTIN/);
  });

  it('/account, an error page reached by a form, and /account after a change', async () => {
    const { page } = tab;
    await page.goto(`${stack.issuer}/account`);
    await page.waitForURL(`${stack.issuer}/account`);
    await switchLanguage(tab, 'account', /Mon espace HospiConnect/);
    await page.locator('form[action$="/rename"] input[name=name]').first().fill('   ');
    await page.locator('form[action$="/rename"] button[type=submit]').first().click();
    await page.waitForURL(/\/rename$/);
    await switchLanguage(tab, 'error-after-post', /My HospiConnect account/);
    await page.locator('form[action$="/rename"] input[name=name]').first().fill('Clé du bloc');
    await page.locator('form[action$="/rename"] button[type=submit]').first().click();
    await page.waitForSelector('[data-notice=renamed]');
    await switchLanguage(tab, 'account-renamed', /Mon espace HospiConnect/);
    assert.equal(await page.locator('[data-notice=renamed]').count(), 1, 'the notice of the change is shown again');
    assert.deepEqual(tab.problems, []);
  });

  it('PSC unavailable: the error page, switched, still offers the key, which signs in', async () => {
    const { page, context } = tab;
    await context.clearCookies();
    await pscNotAnswering(page, stack.psc, stack.demo!.dpi, /CLAIRE TESTMARTIN/);
    assert.match((await page.locator('.alert').textContent()) ?? '', /Pro Santé Connect ne répond pas/);
    await switchLanguage(tab, 'psc-unavailable', /Pro Santé Connect is not answering/);
    await page.getByRole('link', { name: 'Sign in with my key or passkey' }).click();
    await page.getByRole('button', { name: /Use my security key/ }).click();
    await page.waitForURL(`${stack.demo!.dpi}/`);
    assert.match((await page.locator('h1').textContent()) ?? '', /Bonjour Claire TESTMARTIN/);
  });

  it('logout without an application: confirmation and signed-out page', async () => {
    const { page } = tab;
    await page.goto(`${stack.issuer}/session/end`);
    await switchLanguage(tab, 'logout-direct', /Voulez-vous vous déconnecter de HospiConnect/);
    await page.getByRole('button', { name: 'Oui, me déconnecter' }).click();
    await page.waitForURL(/\/session\/end\/success/);
    assert.match((await page.locator('h1').textContent()) ?? '', /Vous êtes déconnecté/, 'the language chosen stays');
    await switchLanguage(tab, 'logged-out', /You are signed out/);
    assert.deepEqual(tab.problems, []);
    await tab.context.close();
  });
});

describe('switching language during a step-up at the DMP', () => {
  let tab: Tab;
  beforeAll(async () => {
    tab = await openTab();
  });

  it('e-CPS at the DPI, then the DMP: step-up page, level-too-low page, then the card', async () => {
    const { page } = tab;
    await page.goto(`${stack.demo!.dpi}/login`);
    await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await page.getByLabel(/LUCIE TESTPETIT/).check();
    await page.getByLabel(/Application e-CPS/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/enrol$/);
    await page.getByRole('button', { name: 'Plus tard' }).click();
    await page.waitForURL(`${stack.demo!.dpi}/`);
    assert.equal(await page.locator('[data-testid=acr]').textContent(), 'eidas2');

    await page.goto(`${stack.demo!.dmp}/login`);
    await page.waitForURL(/\/interaction\/[^/]+$/);
    await switchLanguage(tab, 'step-up', /This application asks for a higher authentication level/);
    await page.getByRole('button', { name: 'Sign in with Pro Santé Connect' }).click();
    await page.getByLabel(/LUCIE TESTPETIT/).check();
    await page.getByLabel(/Application e-CPS/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForSelector('.alert');
    assert.match((await page.locator('h1').textContent()) ?? '', /Authentication level too low/);
    await switchLanguage(tab, 'unmet', /Service DMP de démonstration exige une authentification de niveau/);
    await phoneScreenshot(page, 'unmet-fr');
    await switchLanguage(tab, 'unmet-again', /Service DMP de démonstration requires an authentication of level/);

    await page.getByRole('button', { name: 'Try again with the CPS card' }).click();
    await page.getByLabel(/LUCIE TESTPETIT/).check();
    await page.getByLabel(/Carte CPS/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/enrol$/);
    await page.getByRole('button', { name: 'Later' }).click();
    await page.waitForURL(`${stack.demo!.dmp}/`);
    assert.equal(await page.locator('[data-testid=acr]').textContent(), 'eidas3');
    assert.match((await page.locator('h1').textContent()) ?? '', /Bonjour Lucie TESTPETIT/);
  });

  it('consent page of a third-party application (single sign-on): switched, then allowed', async () => {
    const { page } = tab;
    await page.goto((await authorizationRequest(stack, { clientId: 'third-party-rp' })).url.href);
    await page.waitForSelector('.scope-list');
    await switchLanguage(tab, 'consent', /Application tierce demande l'accès à votre identité/);
    await page.getByRole('button', { name: 'Autoriser' }).click();
    await page.waitForURL((u) => u.href.startsWith(RP_REDIRECT));
    assert.ok(new URL(page.url()).searchParams.get('code'), 'the application receives a code');
    assert.deepEqual(tab.problems, []);
    await tab.context.close();
  });
});
