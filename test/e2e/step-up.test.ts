/**
 * Step-up in Chromium: a clinician signed in to the demo DPI (eidas2) with a synced passkey
 * opens the DMP-like service, which needs eidas3 and phishing resistance: the gateway asks
 * for the CPS card through PSC (the passkey is not offered), then the service opens at eidas3
 * (a FAPI 2.0 client: its request pushed, its access token bound to its DPoP key).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startStack, type Stack } from '../support/stack.ts';
import { launchChromium, screenshot, watchConsole } from '../support/chromium.ts';

let stack: Stack;
let browser: Browser;
let page: Page;
let problems: string[];

beforeAll(async () => {
  stack = await startStack({
    name: 'e2e-step-up',
    demoApps: true,
    clientOverrides: { 'demo-dpi': { min_acr: 'eidas2' }, 'demo-dmp': { min_acr: 'eidas3', phishing_resistant: true } },
  });
  browser = await launchChromium();
  const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1000, height: 900 } });
  page = await context.newPage();
  problems = watchConsole(page);
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      defaultBackupEligibility: true,
      defaultBackupState: true,
    },
  });
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('step-up from the DPI to the DMP-like service', () => {
  it('signs in to the DPI with a synced passkey (eidas2), by conditional mediation', async () => {
    await page.goto(`${stack.demo!.dpi}/login`);
    await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await page.getByLabel(/LUCIE TESTPETIT/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/enrol$/);
    await page.getByRole('button', { name: 'Enregistrer ma clé ou mon passkey' }).click();
    await page.waitForURL(`${stack.demo!.dpi}/`);
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('button', { name: 'Oui, me déconnecter' }).click();
    await page.waitForURL(`${stack.demo!.dpi}/`);

    // A platform authenticator answers the page's conditional (autofill) request by itself:
    // the clinician is signed in without even pressing the button.
    await page.goto(`${stack.demo!.dpi}/login`);
    await page.waitForURL(`${stack.demo!.dpi}/`);
    assert.equal(await page.locator('[data-testid=acr]').textContent(), 'eidas2');
    assert.equal(await page.locator('[data-testid=amr]').textContent(), 'swk, mfa', 'a synced passkey');
  });

  it('opening the DMP-like service asks for the CPS card, then opens it at eidas3', async () => {
    await page.goto(`${stack.demo!.dmp}/login`);
    await page.waitForURL(/\/interaction\//);
    assert.match((await page.locator('.notice').textContent()) ?? '', /niveau d'authentification plus élevé \(eIDAS élevé, résistant à l'hameçonnage\)/);
    assert.equal(await page.locator('[data-webauthn]').count(), 0, 'the passkey is not offered: it cannot reach eidas3');
    assert.match((await page.locator('form[action$="/psc"] .hint').textContent()) ?? '', /carte CPS/);
    await screenshot(page, '20-step-up');
    await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await page.getByLabel(/LUCIE TESTPETIT/).check();
    await page.getByLabel(/Carte CPS/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(`${stack.demo!.dmp}/`);
    assert.equal(await page.locator('[data-testid=acr]').textContent(), 'eidas3');
    assert.match((await page.locator('[data-testid=token-type]').textContent()) ?? '', /DPoP/, 'a FAPI 2.0 client: pushed request, DPoP-bound token');
    assert.match((await page.locator('h1').textContent()) ?? '', /Bonjour Lucie TESTPETIT/);
    assert.deepEqual(problems, []);
  });
});
