/**
 * Security keys and passkeys in real Chromium with the DevTools virtual authenticator:
 * first visit through the PSC simulator + enrolment, sign-out, passwordless sign-in into the
 * demo DPI, single sign-on into the DMP-like service, /account, user verification refused,
 * a key revoked in /account no longer signing in, and the fall-back to PSC when the
 * authenticator is gone. Screenshots of each page are kept as artefacts.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { startStack, type Stack } from '../support/stack.ts';
import { launchChromium, screenshot, watchConsole } from '../support/chromium.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { createCredentialRepository } from '../../src/webauthn/index.ts';

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let cdp: CDPSession;
let authenticatorId: string;
let problems: string[];
const IDNAT = '810103456783';

async function addAuthenticator() {
  ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  }));
}

beforeAll(async () => {
  stack = await startStack({ name: 'e2e-webauthn', demoApps: true, overrides: { 'webauthn.timeoutSeconds': 10 } });
  browser = await launchChromium();
  context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1000, height: 900 } });
  page = await context.newPage();
  problems = watchConsole(page);
  cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await addAuthenticator();
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function signOutOfDpi() {
  await page.goto(`${stack.demo!.dpi}/`);
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.getByRole('button', { name: 'Oui, me déconnecter' }).click();
  await page.waitForURL(`${stack.demo!.dpi}/`);
  await page.getByRole('link', { name: 'Se connecter avec HospiConnect' }).waitFor();
}

async function toGatewayLogin() {
  await page.goto(`${stack.demo!.dpi}/login`);
  await page.waitForURL(/\/interaction\//);
  await page.getByRole('button', { name: 'Utiliser ma clé de sécurité ou mon téléphone' }).waitFor();
}

async function credentialsOf(idNat: string) {
  return createCredentialRepository(stack.store, createKeyNames(stack.prefix)).listByAccount(idNat);
}

describe('security keys and passkeys in Chromium', () => {
  it('first visit: PSC, then enrolment of a key, then the DPI', async () => {
    await page.goto(`${stack.demo!.dpi}/login`);
    await screenshot(page, '10-login-with-key');
    await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await page.getByLabel(/MARC TESTBERNARD/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/enrol$/);
    assert.match((await page.locator('h1').textContent()) ?? '', /Marc, connectez-vous en quelques secondes/);
    await page.getByLabel('Nom de la clé (facultatif)').fill('Clé bleue');
    await screenshot(page, '11-enrol');
    await page.getByRole('button', { name: 'Enregistrer ma clé ou mon passkey' }).click();
    await page.waitForURL(`${stack.demo!.dpi}/`);
    assert.match((await page.locator('h1').textContent()) ?? '', /Bonjour Marc TESTBERNARD/);
    const [credential] = await credentialsOf(IDNAT);
    assert.equal(credential?.name, 'Clé bleue');
    assert.equal(credential?.kind, 'security-key');
    assert.deepEqual(problems, []);
  });

  it("passwordless: after sign-out, the key alone opens the DPI with the clinician's name", async () => {
    await signOutOfDpi();
    await toGatewayLogin();
    await page.getByRole('button', { name: 'Utiliser ma clé de sécurité ou mon téléphone' }).click();
    await page.waitForURL(`${stack.demo!.dpi}/`);
    assert.match((await page.locator('h1').textContent()) ?? '', /Bonjour Marc TESTBERNARD/);
    assert.equal(await page.locator('[data-testid=acr]').textContent(), 'eidas2');
    assert.equal(await page.locator('[data-testid=amr]').textContent(), 'hwk, mfa');
    const [credential] = await credentialsOf(IDNAT);
    assert.ok(credential?.lastUsedAt, 'last use recorded');
  });

  it('single sign-on: the DMP-like service opens without a new ceremony', async () => {
    await page.goto(`${stack.demo!.dmp}/login`);
    await page.waitForURL(`${stack.demo!.dmp}/`);
    assert.match((await page.locator('h1').textContent()) ?? '', /Bonjour Marc TESTBERNARD/);
  });

  it('/account lists the key, renames it and shows recent sign-ins', async () => {
    await page.goto(`${stack.issuer}/account`);
    await page.waitForURL(`${stack.issuer}/account`);
    assert.match((await page.locator('.key-name').textContent()) ?? '', /Clé bleue/);
    await page.getByLabel('Nouveau nom').fill('Clé du bloc');
    await page.getByRole('button', { name: 'Renommer' }).click();
    await page.waitForSelector('[data-notice=renamed]');
    assert.match((await page.locator('.key-name').textContent()) ?? '', /Clé du bloc/);
    assert.ok((await page.locator('.sign-ins tbody tr').count()) >= 2);
    await screenshot(page, '12-account');
    assert.deepEqual(problems, []);
  });

  it('user verification refused: a clear message, no sign-in', async () => {
    await signOutOfDpi();
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    await toGatewayLogin();
    await page.getByRole('button', { name: 'Utiliser ma clé de sécurité ou mon téléphone' }).click();
    const status = page.locator('[data-webauthn-status]');
    await status.filter({ hasText: /vérifié que c'est bien vous|annulée ou expirée/ }).waitFor({ timeout: 15000 });
    assert.match(page.url(), /\/interaction\//, 'still on the sign-in page');
    await screenshot(page, '13-uv-refused');
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
  });

  it('a key revoked in /account no longer signs in', async () => {
    await page.getByRole('button', { name: 'Utiliser ma clé de sécurité ou mon téléphone' }).click();
    await page.waitForURL(`${stack.demo!.dpi}/`);
    await page.goto(`${stack.issuer}/account`);
    await page.getByRole('link', { name: /Retirer « Clé du bloc »/ }).click();
    await page.getByRole('button', { name: /Oui, retirer « Clé du bloc »/ }).click();
    await page.waitForSelector('[data-notice=revoked-last]');
    assert.match((await page.locator('[data-notice]').textContent()) ?? '', /connectez-vous avec Pro Santé Connect/);
    assert.equal((await credentialsOf(IDNAT)).length, 0);
    await signOutOfDpi();
    await toGatewayLogin();
    await page.getByRole('button', { name: 'Utiliser ma clé de sécurité ou mon téléphone' }).click();
    const status = page.locator('[data-webauthn-status]');
    await status.filter({ hasText: /n'est pas enregistrée|retirée/ }).waitFor({ timeout: 15000 });
    assert.match(page.url(), /\/interaction\//);
  });

  it('authenticator gone: the key path fails clearly and PSC still works', async () => {
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    await page.reload();
    await page.getByRole('button', { name: 'Utiliser ma clé de sécurité ou mon téléphone' }).click();
    const status = page.locator('[data-webauthn-status]');
    await status.filter({ hasText: /annulée ou expirée/ }).waitFor({ timeout: 20000 });
    await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
    // PSC still has its own session from the first sign-in: it answers at once.
    await page.waitForURL(/\/enrol$/);
    await page.getByRole('button', { name: 'Plus tard' }).click();
    await page.waitForURL(`${stack.demo!.dpi}/`);
    assert.match((await page.locator('h1').textContent()) ?? '', /Bonjour Marc TESTBERNARD/);
    assert.deepEqual(problems, []);
  });
});
