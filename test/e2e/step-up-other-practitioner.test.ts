/**
 * In Chromium: the DMP-like service needs eidas3; a clinician signs in at PSC with the e-CPS
 * (eidas2), the gateway says the level is too low, « Réessayer avec la carte CPS » is then
 * done with a colleague's card. PSC's logout confirmation of the first session posts itself
 * and the service opens for the colleague, at eidas3 (no "interaction session not found").
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startStack, type Stack } from '../support/stack.ts';
import { launchChromium, screenshot, watchConsole } from '../support/chromium.ts';

let stack: Stack;
let browser: Browser;
beforeAll(async () => {
  stack = await startStack({ name: 'e2e-step-up-other', demoApps: true, clientOverrides: { 'demo-dmp': { min_acr: 'eidas3', phishing_resistant: true } } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('a step-up retried by another practitioner', () => {
  it("e-CPS refused for eidas3, then a colleague's card: the service opens for the colleague", async () => {
    const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1000, height: 900 } });
    const page = await context.newPage();
    const problems = watchConsole(page);
    await page.goto(`${stack.demo!.dmp}/login`);
    await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await page.getByLabel(/LUCIE TESTPETIT/).check();
    await page.getByLabel(/Application e-CPS/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('button', { name: 'Réessayer avec la carte CPS' }).click();
    await page.getByLabel(/MARC TESTBERNARD/).check();
    await page.getByLabel(/Carte CPS/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${stack.demo!.dmp}/`) || /\/enrol$/.test(url.pathname), { timeout: 15000 });
    if (/\/enrol$/.test(page.url())) await page.getByRole('button', { name: 'Plus tard' }).click();
    await page.waitForURL(`${stack.demo!.dmp}/`);
    await screenshot(page, 'step-up-other-practitioner');
    assert.equal(await page.locator('h1').textContent(), 'Bonjour Marc TESTBERNARD');
    assert.equal(await page.locator('[data-testid=acr]').textContent(), 'eidas3');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
