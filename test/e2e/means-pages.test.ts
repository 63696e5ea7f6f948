/**
 * The means lifecycle's pages in real Chromium with a virtual authenticator: /account with a
 * key to confirm and the e-mail section, the sign-in refusing a key past its age, the page
 * asking to touch the key after PSC, the notices at sign-in, and the RIE report page. No
 * script error, no horizontal overflow at 390 px.
 * Screenshots: test-artifacts/screenshots/means-*.png (desktop and 390 px).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { startStack, type Stack } from '../support/stack.ts';
import { launchChromium, watchConsole, screenshotBothWidths, pscCardAsStaff } from '../support/chromium.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { createCredentialRepository } from '../../src/webauthn/index.ts';

const STAFF = '899700427885';
const DAY = 86_400_000;
let stack: Stack;
let smtp: TestSmtpServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let cdp: CDPSession;
let problems: string[];

beforeAll(async () => {
  smtp = await startSmtpServer();
  stack = await startStack({
    name: 'e2e-means',
    overrides: {
      'pilot.staffIdNats': [STAFF],
      'means.noticesAtSignIn': true,
      'mail.smtp.host': '127.0.0.1',
      'mail.smtp.port': smtp.port,
      'mail.smtp.requireTls': false,
      'webauthn.timeoutSeconds': 10,
    },
  });
  browser = await launchChromium();
  context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1000, height: 900 } });
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
  problems = watchConsole(page);
  cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await smtp?.close();
});

/** Moves the dates of the staff member's keys `days` into the past. */
async function age(days: number) {
  const keyNames = createKeyNames(stack.prefix);
  for (const credential of await createCredentialRepository(stack.store, keyNames).listByAccount(STAFF)) {
    const hash = (await stack.store.hgetall(keyNames.credential(credential.id)))!;
    const record = JSON.parse(hash.record!) as { createdAt: number };
    const binding = JSON.parse(hash.binding!) as { at: number };
    await stack.store.hsetIfExists(keyNames.credential(credential.id), {
      record: JSON.stringify({ ...record, createdAt: record.createdAt - days * DAY }),
      binding: JSON.stringify({ ...binding, at: binding.at - days * DAY }),
    });
  }
}

describe('means lifecycle pages in Chromium', () => {
  it('/account: a key to confirm soon, and the e-mail notices section', async () => {
    await page.goto(`${stack.issuer}/account`);
    await pscCardAsStaff(page);
    await page.waitForURL(`${stack.issuer}/account`);
    await page.getByLabel('Nom de la clé (facultatif)').fill('Clé bleue');
    await page.getByRole('button', { name: 'Ajouter une clé ou un passkey' }).click();
    await page.waitForSelector('[data-notice=added]');
    await age(1080);
    await page.getByLabel(/Votre adresse e-mail/).fill('dr.leroy@hopital.test');
    await page.getByRole('button', { name: 'Envoyer le code' }).click();
    await page.waitForSelector('[data-notice=code-sent]');
    await smtp.next();
    assert.ok(await page.locator('[data-keys-due]').isVisible());
    assert.ok(await page.locator('[data-email-code-form]').isVisible());
    const width = await screenshotBothWidths(page, 'means-account');
    assert.ok(width <= 390, `no horizontal overflow at 390 px (${width} px)`);
    assert.deepEqual(problems, []);
  });

  it('a key past its age: refused with what to do, confirmed after PSC, then the notices', async () => {
    await age(30);
    await context.clearCookies();
    await page.goto(`${stack.issuer}/account/login`);
    await page.getByRole('button', { name: 'Utiliser ma clé de sécurité ou mon téléphone' }).click();
    const status = page.locator('[data-webauthn-status]').first();
    await status.filter({ hasText: 'confirmée à nouveau' }).waitFor();
    assert.ok((await screenshotBothWidths(page, 'means-key-expired')) <= 390);

    await pscCardAsStaff(page);
    await page.waitForURL(/\/confirm-key$/);
    assert.match((await page.locator('main').textContent()) ?? '', /Clé bleue/);
    assert.ok((await screenshotBothWidths(page, 'means-confirm-key')) <= 390);
    await page.getByRole('button', { name: 'Confirmer avec ma clé' }).click();
    await page.waitForURL(/\/notices$/);
    // The key added in the earlier session; the expiry and confirmation of this sign-in wait for the next one.
    assert.match((await page.locator('[data-notices]').textContent()) ?? '', /Clé ajoutée à votre compte/);
    assert.ok((await screenshotBothWidths(page, 'means-notices')) <= 390);
    await page.getByRole('button', { name: /J'ai pris connaissance/ }).click();
    await page.waitForURL(`${stack.issuer}/account`);
    assert.equal(await page.locator('[data-keys-due]').count(), 0, 'confirmed: nothing left to confirm');
    assert.deepEqual(problems, []);
  });

  it('the RIE conformity report, printable', async () => {
    await page.goto(`${stack.issuer}/pilot/rie`);
    await page.waitForSelector('[data-rie-check="means-renewal"]');
    assert.ok((await screenshotBothWidths(page, 'means-rie-report')) <= 390);
    assert.deepEqual(problems, []);
  });
});
