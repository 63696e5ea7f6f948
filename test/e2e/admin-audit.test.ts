/**
 * /admin/audit in real Chromium over 6,003 events (more than the old page's 5,000): an
 * administrator signs in through PSC, finds a clinician's 2021 events with the exact count,
 * pages back through a large result with the "Plus anciens" link, and downloads the result as
 * CSV. No CSP violation; at 390 px the page does not scroll sideways (each event is a block
 * of labelled lines). Screenshots: test-artifacts/screenshots/admin-audit-*.png.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { startStack, type Stack } from '../support/stack.ts';
import { launchChromium, screenshot, watchConsole } from '../support/chromium.ts';
import { OLD_ACTOR, count, seedSearchTrail } from '../support/audit-search-seed.ts';

const ADMIN = '899700427885';
let stack: Stack;
let browser: Browser;
beforeAll(async () => {
  stack = await startStack({ name: 'e2e-admin-audit', overrides: { 'admin.idNats': [ADMIN] } });
  await seedSearchTrail(stack.gateways[0]!.auditLog);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** Opens /admin/audit, signs in at the PSC simulator as the administrator (CPS card) and comes back. */
async function signInAsAdmin(page: Page) {
  await page.goto(`${stack.issuer}/admin/audit`);
  await page.getByRole('button', { name: /Se connecter avec Pro Santé Connect/ }).click();
  await page.waitForSelector('form.login-form');
  await page.getByLabel(/DOC0042788/).check();
  await page.getByLabel(/Carte CPS/).check();
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL((url) => url.pathname === '/admin/audit' || url.pathname.endsWith('/enrol'));
  if (new URL(page.url()).pathname.endsWith('/enrol')) await page.getByRole('button', { name: 'Plus tard' }).click();
  await page.waitForURL((url) => url.pathname === '/admin/audit');
}

const status = (page: Page) => page.locator('[role=status][data-total]');

describe('/admin/audit in Chromium', () => {
  it("finds a clinician's 2021 events among 6,003, pages back, and downloads the result", async () => {
    const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    const problems = watchConsole(page);
    await signInAsAdmin(page);

    await page.getByLabel('Identifiant national').fill(OLD_ACTOR);
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await page.waitForSelector('[role=status][data-total]');
    assert.equal(await status(page).textContent(), '3 événements correspondent à la recherche.');
    assert.equal(await page.locator('tr[data-seq]').count(), 3);
    assert.match((await page.locator('tr[data-seq]').last().textContent()) ?? '', /2021/);
    await screenshot(page, 'admin-audit-idnat');

    await page.getByLabel('Identifiant national').fill('');
    await page.getByLabel('Application (client_id)').fill('demo-dmp');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await page.waitForURL(/client=demo-dmp/);
    const expected = count({ clientId: 'demo-dmp' });
    assert.equal(await status(page).getAttribute('data-total'), String(expected));
    assert.equal(
      await status(page).textContent(),
      `${new Intl.NumberFormat('fr-FR').format(expected)} événements correspondent à la recherche. Événements 1 à 100 affichés, du plus récent au plus ancien.`,
    );
    const firstPage = await page.locator('tr[data-seq]').first().getAttribute('data-seq');
    await page.getByRole('link', { name: 'Plus anciens →' }).click();
    await page.waitForURL(/before=/);
    assert.match((await status(page).textContent()) ?? '', /Événements 101 à 200 affichés/);
    assert.ok(Number(await page.locator('tr[data-seq]').first().getAttribute('data-seq')) < Number(firstPage));
    await screenshot(page, 'admin-audit-page-2');

    await page.getByLabel('Application (client_id)').fill('');
    await page.getByLabel("Type d'événement").selectOption('key.revoked');
    await page.getByLabel('Du').fill('2020-01-01');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await page.waitForURL(/type=key\.revoked/);
    assert.equal(await status(page).getAttribute('data-total'), '7');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Exporter en CSV' }).click()]);
    assert.match(download.suggestedFilename(), /^journal-audit-\d{8}T\d{6}Z\.csv$/);
    const csv = await readFile((await download.path())!, 'utf8');
    assert.equal(csv.trim().split('\r\n').length, 1 + 7, 'the header and the 7 revocations');
    assert.deepEqual(problems, [], 'no CSP violation or script error');
    await context.close();
  });

  it('at 390 px the page does not scroll sideways; each event is a block of labelled lines', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const problems = watchConsole(page);
    await signInAsAdmin(page);
    await page.goto(`${stack.issuer}/admin/audit?idNat=${OLD_ACTOR}`);
    await page.waitForSelector('tr[data-seq]');
    await screenshot(page, 'admin-audit-390');
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390, 'no sideways scroll of the page');
    assert.ok(await page.locator('.table-scroll').evaluate((el) => el.scrollWidth <= el.clientWidth), 'the results fit the width');
    const firstRow = page.locator('tr[data-seq]').first();
    assert.equal(
      await firstRow
        .locator('td')
        .nth(2)
        .evaluate((td) => getComputedStyle(td, '::before').content),
      '"Type d\'événement"',
      'each value says what it is',
    );
    assert.ok((await firstRow.boundingBox())!.height > 100, 'one line per value');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
