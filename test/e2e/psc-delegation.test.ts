/**
 * Pro Santé Connect "sans couture" in real Chromium with the DevTools virtual authenticator:
 * the demo national service → PSC (kc_idp_hint) → the gateway (the key) → PSC's pairing with
 * the CPS card → the service; then, after signing out of PSC, the confirmation screen only, no
 * card. Also the pages a clinician without a key and one with a key PSC does not accept see.
 * Screenshots of every new page, desktop and 390 px: test-artifacts/screenshots/delegation-*.png.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startStack, type Stack } from '../support/stack.ts';
import { launchChromium, watchConsole, screenshotBothWidths } from '../support/chromium.ts';

let stack: Stack;
let browser: Browser;

/** A browser of its own with a virtual authenticator (a security key with a PIN). */
async function clinicianBrowser(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  const problems = watchConsole(page);
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { context, page, problems };
}

/** Enrols a key at the establishment (the demo DPI: PSC with `means`, then the key), then forgets PSC's session. */
async function enrolAtDpi(context: BrowserContext, page: Page, who: RegExp, means: RegExp) {
  await page.goto(`${stack.demo!.dpi}/login`);
  await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
  await page.getByLabel(who).check();
  await page.getByLabel(means).check();
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(/\/enrol$/);
  await page.getByRole('button', { name: 'Enregistrer ma clé ou mon passkey' }).click();
  await page.waitForURL(`${stack.demo!.dpi}/`);
  // PSC's own session (the card sign-in above) would answer the national service by itself.
  await context.clearCookies({ name: /^_session/ });
}

beforeAll(async () => {
  stack = await startStack({ name: 'e2e-delegation', demoApps: true, delegation: {}, overrides: { 'webauthn.timeoutSeconds': 10 } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('PSC sans couture in Chromium', () => {
  it('national service → PSC → the key at the gateway → pairing with the card → the service; then confirmation only', async () => {
    const { context, page, problems } = await clinicianBrowser();
    await enrolAtDpi(context, page, /MARC TESTBERNARD/, /Carte CPS/);

    await page.goto(`${stack.national!}/`);
    await screenshotBothWidths(page, 'delegation-10-national-service');
    await page.getByRole('link', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await page.waitForURL(/\/interaction\//);
    assert.ok(page.url().startsWith(stack.issuer), 'kc_idp_hint: straight to the gateway');
    assert.match((await page.locator('h1').textContent()) ?? '', /Connexion à Pro Santé Connect par votre établissement/);
    assert.equal(await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).count(), 0, 'PSC is never offered');
    assert.ok((await screenshotBothWidths(page, 'delegation-11-gateway-key')) <= 390, 'no horizontal scroll at 390 px');
    await page.getByRole('button', { name: 'Utiliser ma clé de sécurité ou mon téléphone' }).click();

    await page.getByRole('heading', { name: 'Appairer un compte avec la carte CPS' }).waitFor();
    assert.ok((await screenshotBothWidths(page, 'delegation-12-psc-pairing')) <= 390);
    await page.getByLabel(/MARC TESTBERNARD/).check();
    await page.getByRole('button', { name: 'Appairer un compte avec la carte CPS' }).click();
    await page.waitForURL(`${stack.national!}/`);
    assert.match((await page.locator('h1').textContent()) ?? '', /Bonjour Marc TESTBERNARD/);
    assert.equal(await page.locator('[data-testid=amr]').textContent(), 'hwk, mfa');
    await screenshotBothWidths(page, 'delegation-13-national-signed-in');

    // Sign out of the service and of PSC, as PSC does it (end_session and its confirmation).
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL(`${stack.national!}/`);
    assert.match((await page.locator('.notice').textContent()) ?? '', /Vous êtes déconnecté/);

    // Next visit: the gateway's session is the key's; PSC only asks to confirm. No card.
    await page.goto(`${stack.national!}/login`);
    await page.getByRole('heading', { name: 'Confirmer la connexion' }).waitFor();
    assert.match((await page.locator('.lead').textContent()) ?? '', /MARC TESTBERNARD/);
    assert.ok((await screenshotBothWidths(page, 'delegation-14-psc-confirmation')) <= 390);
    await page.getByRole('button', { name: 'Confirmer' }).click();
    await page.waitForURL(`${stack.national!}/`);
    assert.match((await page.locator('h1').textContent()) ?? '', /Bonjour Marc TESTBERNARD/);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('a clinician without a key: told how to enrol one, then back at PSC with its card and e-CPS', async () => {
    const { context, page, problems } = await clinicianBrowser();
    await page.goto(`${stack.national!}/login`);
    await page.getByRole('link', { name: "Je n'ai pas encore de clé de sécurité ni de passkey" }).click();
    await page.getByRole('heading', { name: "Vous n'avez pas encore de clé" }).waitFor();
    assert.ok((await screenshotBothWidths(page, 'delegation-20-no-key')) <= 390);
    await page.getByRole('button', { name: 'Revenir à Pro Santé Connect' }).click();
    await page.getByRole('heading', { name: 'Connexion à Pro Santé Connect' }).waitFor();
    assert.match((await page.locator('.notice').textContent()) ?? '', /carte CPS ou l’application e-CPS/);
    assert.ok((await screenshotBothWidths(page, 'delegation-21-psc-login-after-no-key')) <= 390);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('a key enrolled after an e-CPS sign-in: a page that says what to do', async () => {
    const { context, page, problems } = await clinicianBrowser();
    await enrolAtDpi(context, page, /LUCIE TESTPETIT/i, /Application e-CPS/);
    await page.goto(`${stack.national!}/login`);
    await page.getByRole('button', { name: 'Utiliser ma clé de sécurité ou mon téléphone' }).click();
    await page.getByRole('heading', { name: 'Cette clé ne permet pas de vous connecter à Pro Santé Connect' }).waitFor();
    assert.ok((await screenshotBothWidths(page, 'delegation-30-key-refused')) <= 390);
    await page.getByRole('button', { name: 'Revenir à Pro Santé Connect' }).click();
    await page.getByRole('heading', { name: 'Connexion à Pro Santé Connect' }).waitFor();
    assert.match((await page.locator('.notice').textContent()) ?? '', /n’est pas accepté par Pro Santé Connect/);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
