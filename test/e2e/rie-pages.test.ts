/**
 * The pages of issue 22 in real Chromium: quick re-authentication at a shared workstation with
 * the DevTools virtual authenticator (user verification off: a touch only), the emergency access
 * code issued on /admin/emergency and used on the sign-in page. The whole test runs from a
 * "shared workstation" (loopback is declared as one). No CSP violation or page error.
 * Screenshots (desktop and 390 px): test-artifacts/screenshots/rie-*.png.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { startStack, type Stack } from '../support/stack.ts';
import { launchChromium, screenshot, watchConsole } from '../support/chromium.ts';

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let cdp: CDPSession;
let authenticatorId: string;
let problems: string[];

beforeAll(async () => {
  stack = await startStack({
    name: 'e2e-rie',
    demoApps: true,
    overrides: {
      'webauthn.timeoutSeconds': 10,
      'sessions.sharedWorkstation.networks': ['127.0.0.0/8', '::1/128'],
      'sessions.sharedWorkstation.quickReauthMinutes': 60,
      'admin.idNats': ['899700427885'],
    },
  });
  browser = await launchChromium();
  context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1000, height: 900 } });
  page = await context.newPage();
  problems = watchConsole(page);
  cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  }));
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** Desktop and 390 px screenshots of the current page. */
async function shots(name: string) {
  await screenshot(page, `rie-${name}`);
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, `rie-${name}-390`);
  await page.setViewportSize({ width: 1000, height: 900 });
}

/** The session on this workstation ended (idle, or the next clinician's turn): every cookie goes but the workstation's own. */
async function leaveWorkstation() {
  const kept = (await context.cookies()).filter((c) => c.name === 'hc_workstation');
  await context.clearCookies();
  await context.addCookies(kept);
}

describe('issue 22 pages in Chromium', () => {
  it('quick re-authentication: after a full sign-in here, a touch of the key without PIN reopens the DPI at eidas1, amr hwk, user', async () => {
    await page.goto(`${stack.demo!.dpi}/login`);
    await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await page.getByLabel(/MARC TESTBERNARD/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/enrol$/);
    await page.getByRole('button', { name: 'Enregistrer ma clé ou mon passkey' }).click();
    await page.waitForURL(`${stack.demo!.dpi}/`);

    await leaveWorkstation();
    // The same key, touched without its PIN: user presence only.
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    await page.goto(`${stack.demo!.dpi}/login`);
    await page.waitForURL(/\/interaction\//);
    const reopen = page.getByRole('link', { name: "Réouvrir ma session d'un simple toucher de clé" });
    await reopen.waitFor();
    await shots('login-shared-workstation');
    await reopen.click();
    await page.waitForURL(/\/quick$/);
    await page.getByRole('button', { name: 'Toucher ma clé' }).waitFor();
    await shots('quick');
    await page.getByRole('button', { name: 'Toucher ma clé' }).click();
    await page.waitForURL(`${stack.demo!.dpi}/`);
    assert.match((await page.locator('h1').textContent()) ?? '', /Bonjour Marc TESTBERNARD/);
    assert.equal(await page.locator('[data-testid=acr]').textContent(), 'eidas1');
    assert.equal(await page.locator('[data-testid=amr]').textContent(), 'hwk, user');
    assert.deepEqual(problems, []);
  });

  it('emergency access: an administrator at eidas3 issues a code; the clinician signs in with it', async () => {
    await leaveWorkstation();
    await page.goto(`${stack.issuer}/admin/emergency`);
    await page.getByRole('heading', { name: "Identifiez-vous pour délivrer un code d'accès de secours" }).waitFor();
    await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await page.getByLabel(/KIT DOC0042788/).check();
    await page.getByLabel(/Carte CPS/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(`${stack.issuer}/admin/emergency`);
    await shots('admin-emergency');
    await page.getByLabel('Identifiant national du professionnel (RPPS ou ADELI)').fill('810103456783');
    await page.getByLabel('Durée de validité').selectOption('4');
    await page.getByRole('button', { name: 'Délivrer le code' }).click();
    const code = ((await page.locator('[data-emergency-code]').textContent()) ?? '').trim();
    assert.match(code, /^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/);
    await shots('admin-emergency-issued');

    await leaveWorkstation();
    await page.goto(`${stack.demo!.dpi}/login`);
    await page.waitForURL(/\/interaction\//);
    await page.getByRole('link', { name: 'Accès de secours (code remis par un administrateur)' }).click();
    await page.waitForURL(/\/emergency$/);
    await shots('emergency');
    await page.getByLabel('Identifiant national (RPPS ou ADELI)').fill('810103456783');
    await page.getByLabel('Code de secours').fill('ACDE-FGHJ-KMNP-QRTU');
    await page.getByRole('button', { name: 'Me connecter avec le code' }).click();
    await page.locator('[data-problem=refused]').waitFor();
    await shots('emergency-refused');
    await page.getByLabel('Code de secours').fill(code);
    await page.getByRole('button', { name: 'Me connecter avec le code' }).click();
    await page.waitForURL(`${stack.demo!.dpi}/`);
    assert.equal(await page.locator('[data-testid=acr]').textContent(), 'eidas1');
    assert.equal(await page.locator('[data-testid=amr]').textContent(), 'otp');
    assert.deepEqual(problems, []);
  });
});
