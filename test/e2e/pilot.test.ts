/**
 * The pilot dashboard in real Chromium with 60 days of seeded activity: the pilot team member
 * signs in through PSC, lands on /pilot, the four charts draw with no CSP violation, the key
 * figures match the figures reader, the report prints on one A4 page. Screenshots are kept
 * in test-artifacts/screenshots/ (pilot-dashboard.png, pilot-report.png).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startStack, type Stack } from '../support/stack.ts';
import { launchChromium, screenshot, watchConsole } from '../support/chromium.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { createPilotAggregates, createPilotFiguresReader, parisDay } from '../../src/pilot/index.ts';
import { generatePilotActivity } from '../../src/pilot/seed.ts';

const STAFF = '899700427885';
let stack: Stack;
let browser: Browser;
beforeAll(async () => {
  stack = await startStack({ name: 'e2e-pilot', overrides: { 'pilot.staffIdNats': [STAFF] } });
  browser = await launchChromium();
  const aggregates = createPilotAggregates(stack.store, createKeyNames(stack.prefix));
  const activity = generatePilotActivity({ clinicians: 300, days: 60, endDay: parisDay(Date.now()) });
  let seq = 0;
  for (const { time, input } of activity) {
    seq += 1;
    await aggregates.apply({ ...input, seq, time: new Date(time).toISOString(), instance: 'pilot-seed', prev: '', mac: '' });
  }
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** Opens `path`, signs in at the PSC simulator as the pilot team member (CPS card) and comes back to it. */
async function signInAsStaff(page: Page, path: string) {
  await page.goto(`${stack.issuer}${path}`);
  await page.getByRole('button', { name: /Se connecter avec Pro Santé Connect/ }).click();
  await page.waitForSelector('form.login-form');
  await page.getByLabel(/DOC0042788/).check();
  await page.getByLabel(/Carte CPS/).check();
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL((url) => url.pathname === path || url.pathname.endsWith('/enrol'));
  if (new URL(page.url()).pathname.endsWith('/enrol')) await page.getByRole('button', { name: 'Plus tard' }).click();
  await page.waitForURL((url) => url.pathname === path);
}

describe('pilot dashboard in Chromium', () => {
  it('signs a pilot team member in through PSC, then draws the dashboard of seeded activity', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = watchConsole(page);
    await signInAsStaff(page, '/pilot');
    await page.waitForFunction(() => Object.keys((window as unknown as { Chart: { instances: object } }).Chart.instances).length === 4);
    await screenshot(page, 'pilot-dashboard');

    assert.equal(await page.locator('h1').textContent(), 'Adoption de HospiConnect');
    assert.deepEqual(problems, [], 'no CSP violation or script error');
    const figures = await createPilotFiguresReader(stack.store, createKeyNames(stack.prefix)).read({
      from: await page.inputValue('#p-from'),
      to: await page.inputValue('#p-to'),
    });
    const shown = async (kpi: string) => Number((await page.locator(`[data-kpi="${kpi}"] dd`).first().textContent())!.replace(/\s/g, ''));
    assert.equal(await shown('linked'), figures.clinicians.linked);
    assert.equal(await shown('sign-ins'), figures.signIns.total);
    assert.ok(figures.signIns.total > 1000, `60 days of 300 clinicians, got ${figures.signIns.total} sign-ins`);
    assert.equal(await page.locator('#table-daily tbody tr').count(), 30);
    // Keyboard: from the range's button, Tab reaches the exports in reading order.
    await page.getByRole('button', { name: 'Afficher' }).focus();
    await page.keyboard.press('Tab');
    assert.match(await page.evaluate(() => document.activeElement?.getAttribute('href') ?? ''), /^\/pilot\/export\.csv\?from=/);
    await context.close();
  });

  it('prints the report on one A4 page', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1000, height: 900 } });
    const page = await context.newPage();
    const problems = watchConsole(page);
    await signInAsStaff(page, '/pilot/report');
    assert.match((await page.locator('h1').textContent()) ?? '', /rapport d'adoption/);
    await page.emulateMedia({ media: 'print' });
    await screenshot(page, 'pilot-report');
    assert.equal(await page.locator('.site-header').isVisible(), false, 'no site header on paper');
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? [];
    assert.equal(pages.length, 1, 'one A4 page');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
