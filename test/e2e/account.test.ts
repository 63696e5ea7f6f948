/**
 * /account in real Chromium, as a clinician uses it: keys added with the virtual
 * authenticator; the page after the five-minute window (no script error, identity confirmed
 * before a key name is asked, nothing typed lost); removing a key through a confirmation step
 * that works without JavaScript (a stronger one for the last key); no horizontal overflow at
 * 390 px; the background passkey autofill failing silently on the sign-in page.
 * Screenshots: test-artifacts/screenshots/account-*.png (desktop and 390 px).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { startStack, type Stack } from '../support/stack.ts';
import { launchChromium, screenshot, watchConsole, screenshotBothWidths, pscCardAsStaff } from '../support/chromium.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { createCredentialRepository } from '../../src/webauthn/index.ts';

const STAFF = '899700427885';
const FRESH_SECONDS = 8;
/** 60 characters, no space: the longest name a key can have, the hardest to fit at 390 px. */
const LONG_NAME = 'Téléphone-de-garde-du-service-de-réanimation-médicale-bloc-B';
let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let cdp: CDPSession;
let problems: string[];
let firstAuthenticator: string;

async function addAuthenticator(session: CDPSession, transport: 'usb' | 'internal'): Promise<string> {
  const { authenticatorId } = await session.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport, hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return authenticatorId;
}

beforeAll(async () => {
  stack = await startStack({
    name: 'e2e-account',
    overrides: { 'portal.freshAuthSeconds': FRESH_SECONDS, 'pilot.staffIdNats': [STAFF], 'webauthn.timeoutSeconds': 10 },
  });
  browser = await launchChromium();
  context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1000, height: 900 } });
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
  problems = watchConsole(page);
  cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const keysOf = (idNat: string) => createCredentialRepository(stack.store, createKeyNames(stack.prefix)).listByAccount(idNat);
const staleness = () => new Promise((r) => setTimeout(r, (FRESH_SECONDS + 0.5) * 1000));

describe('/account in Chromium', () => {
  it('signs in through PSC and adds a named key', async () => {
    firstAuthenticator = await addAuthenticator(cdp, 'usb');
    await page.goto(`${stack.issuer}/account`);
    await pscCardAsStaff(page);
    await page.waitForURL(`${stack.issuer}/account`);
    await page.getByLabel('Nom de la clé (facultatif)').fill('Clé bleue');
    await page.getByRole('button', { name: 'Ajouter une clé ou un passkey' }).click();
    await page.waitForSelector('[data-notice=added]');
    assert.deepEqual(
      (await keysOf(STAFF)).map((k) => k.name),
      ['Clé bleue'],
    );
    assert.deepEqual(problems, []);
  });

  it('after the five-minute window: no script error, identity confirmed first, then the name asked and kept', async () => {
    await staleness();
    await page.goto(`${stack.issuer}/account`);
    const confirm = page.getByRole('link', { name: 'Confirmer mon identité' });
    await confirm.waitFor();
    assert.equal(await page.locator('#key-name').count(), 0, 'no key name to type (and lose) before the identity is confirmed');
    const width = await screenshotBothWidths(page, 'account-stale');
    assert.deepEqual(problems, [], 'no script error on the page after the window');
    assert.ok(width <= 390, `no horizontal overflow at 390 px (page ${width} px wide)`);

    await confirm.click();
    await page.getByRole('button', { name: 'Utiliser ma clé de sécurité ou mon téléphone' }).click();
    await page.waitForURL(`${stack.issuer}/account?notice=fresh`);
    // Another authenticator: the first one already holds a key of this account.
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: firstAuthenticator });
    await addAuthenticator(cdp, 'internal');
    await page.getByLabel('Nom de la clé (facultatif)').fill(LONG_NAME);
    await page.getByRole('button', { name: 'Ajouter une clé ou un passkey' }).click();
    await page.waitForSelector('[data-notice=added]');
    assert.deepEqual((await keysOf(STAFF)).map((k) => k.name).sort(), ['Clé bleue', LONG_NAME].sort());
    assert.deepEqual(problems, []);
  });

  it('at 390 px, the key cards and the tables fit the screen; dates stay on one line; own exports in words', async () => {
    for (const kind of ['csv', 'json']) assert.equal((await page.request.get(`${stack.issuer}/pilot/export.${kind}`)).status(), 200);
    await page.goto(`${stack.issuer}/account`);
    assert.match((await page.locator('tr[data-event="admin.action"]').first().textContent()) ?? '', /Export des chiffres du pilote \(JSON, du /);
    const width = await screenshotBothWidths(page, 'account-keys');
    assert.ok(width <= 390, `no horizontal overflow at 390 px (page ${width} px wide)`);
    await page.setViewportSize({ width: 390, height: 844 });
    const lines = await page.locator('.sign-ins tbody td:first-child').evaluateAll((cells) =>
      cells.map((td) => {
        const range = document.createRange();
        range.selectNodeContents(td);
        return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
      }),
    );
    assert.ok(lines.length > 0 && lines.every((n) => n === 1), `every date on one line (lines per date: ${lines.join(', ')})`);
    await page.setViewportSize({ width: 1000, height: 900 });
  });
});

describe('removing a key, without JavaScript', () => {
  let nojs: BrowserContext;
  let p: Page;
  let nojsProblems: string[];
  beforeAll(async () => {
    nojs = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1000, height: 900 }, javaScriptEnabled: false });
    nojs.setDefaultTimeout(15_000);
    await nojs.addCookies(await context.cookies());
    p = await nojs.newPage();
    nojsProblems = watchConsole(p);
  });
  afterAll(async () => {
    await nojs?.close();
  });

  /** On a confirmation page that first asks to confirm the identity: PSC, back to it. */
  async function confirmIdentityIfAsked() {
    const confirm = p.getByRole('link', { name: 'Confirmer mon identité' });
    if ((await confirm.count()) === 0) return;
    const back = new URL(p.url()).pathname;
    await confirm.click();
    await pscCardAsStaff(p);
    await p.waitForURL((url) => url.pathname === back);
  }

  it('one key among two: a confirmation page, nothing removed until confirmed', async () => {
    await p.goto(`${stack.issuer}/account`);
    await p.getByRole('link', { name: 'Retirer « Clé bleue »' }).click();
    await p.waitForURL(/\/account\/keys\/[^/]+\/revoke/);
    assert.equal((await keysOf(STAFF)).length, 2, 'nothing removed by the first click');
    assert.match((await p.locator('h1').textContent()) ?? '', /Retirer «\u00a0Clé bleue\u00a0» \?/);
    const width = await screenshotBothWidths(p, 'account-revoke-confirm');
    assert.ok(width <= 390, `no horizontal overflow at 390 px (page ${width} px wide)`);
    await p.goto(`${p.url()}?lang=en`);
    assert.match((await p.locator('h1').textContent()) ?? '', /Remove “Clé bleue”\?/);
    await screenshotBothWidths(p, 'account-revoke-confirm-en');
    await p.goto(p.url().replace('lang=en', 'lang=fr'));
    await confirmIdentityIfAsked();
    await p.getByRole('button', { name: 'Oui, retirer « Clé bleue »' }).click();
    await p.waitForURL(`${stack.issuer}/account?notice=revoked`);
    assert.deepEqual(
      (await keysOf(STAFF)).map((k) => k.name),
      [LONG_NAME],
    );
  });

  it('cancelling the confirmation keeps the key', async () => {
    await p.getByRole('link', { name: `Retirer « ${LONG_NAME} »` }).click();
    await p.getByRole('link', { name: 'Annuler, garder cette clé' }).click();
    await p.waitForURL(`${stack.issuer}/account`);
    assert.equal((await keysOf(STAFF)).length, 1);
  });

  it('the last key: a stronger warning that says how signing in works afterwards', async () => {
    await staleness();
    await p.getByRole('link', { name: `Retirer « ${LONG_NAME} »` }).click();
    await p.waitForURL(/\/account\/keys\/[^/]+\/revoke/);
    const warning = (await p.locator('[data-last-key]').textContent()) ?? '';
    assert.match(warning, /dernière clé/);
    assert.match(warning, /Pro Santé Connect/);
    assert.match(warning, /carte CPS ou (de )?l'application e-CPS/);
    const width = await screenshotBothWidths(p, 'account-revoke-last-stale');
    assert.ok(width <= 390, `no horizontal overflow at 390 px (page ${width} px wide)`);
    await confirmIdentityIfAsked();
    await screenshotBothWidths(p, 'account-revoke-last');
    await p.getByRole('button', { name: `Oui, retirer « ${LONG_NAME} »` }).click();
    await p.waitForURL(`${stack.issuer}/account?notice=revoked-last`);
    assert.equal((await keysOf(STAFF)).length, 0);
    assert.deepEqual(nojsProblems, []);
  });
});

describe('background passkey autofill on the sign-in page', () => {
  it('fails silently: no message, the focus stays where it was', async () => {
    const quiet = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1000, height: 900 } });
    const q = await quiet.newPage();
    const errors = watchConsole(q);
    const session = await quiet.newCDPSession(q);
    await session.send('WebAuthn.enable');
    await addAuthenticator(session, 'internal');
    await q.goto(`${stack.issuer}/account/login`);
    await q.getByRole('button', { name: 'Utiliser ma clé de sécurité ou mon téléphone' }).waitFor();
    // The conditional request ends after webauthn.timeoutSeconds (10 s) with no key chosen.
    await q.waitForTimeout(11_500);
    await screenshot(q, 'account-login-autofill-quiet');
    assert.equal(await q.locator('[data-webauthn-status]').textContent(), '', 'no message for a failure nobody asked about');
    assert.equal(await q.evaluate(() => document.activeElement?.tagName), 'BODY', 'the focus was not moved');
    assert.equal(await q.getByRole('button', { name: 'Utiliser ma clé de sécurité ou mon téléphone' }).isEnabled(), true);
    assert.deepEqual(errors, []);
    await quiet.close();
  });
});
