/**
 * `npm start` away from the default ports, in Chromium: every peer on another port and
 * listening on every interface (SANDBOX_HOST=0.0.0.0, HOST=0.0.0.0, as in docker/compose.yml),
 * the repository's config/clients.json. A clinician signs in to the demo DPI through PSC, opens
 * the DMP-like service by single sign-on, signs out, and both applications know it.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { freePort } from '../support/ports.ts';
import { spawnMain, type GatewayProcess } from '../support/processes.ts';
import { launchChromium, screenshot, watchConsole } from '../support/chromium.ts';

const dir = mkdtempSync(join(tmpdir(), 'hc-e2e-ports-'));
let main: GatewayProcess;
let browser: Browser;
let page: Page;
let problems: string[];
let urls: { gateway: string; psc: string; dpi: string; dmp: string };

beforeAll(async () => {
  const [gw, psc, dpi, dmp, national] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  urls = { gateway: `http://localhost:${gw}`, psc: `http://localhost:${psc}`, dpi: `http://localhost:${dpi}`, dmp: `http://localhost:${dmp}` };
  // No URL set: each one follows its port, on localhost since 0.0.0.0 is only where they listen.
  main = spawnMain({
    HOST: '0.0.0.0',
    PORT: String(gw),
    SANDBOX_HOST: '0.0.0.0',
    SANDBOX_PSC_PORT: String(psc),
    SANDBOX_DPI_PORT: String(dpi),
    SANDBOX_DMP_PORT: String(dmp),
    SANDBOX_NATIONAL_PORT: String(national),
    KEYS_DIR: dir,
    LOG_LEVEL: 'warn',
  });
  await main.waitForOutput(/Press Ctrl-C to stop/);
  browser = await launchChromium();
  const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1000, height: 800 } });
  page = await context.newPage();
  problems = watchConsole(page);
});
afterAll(async () => {
  await browser?.close();
  await main?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('the sandbox on other ports, in Chromium', () => {
  it('signs in to the demo DPI through PSC, on the ports that were set', async () => {
    await page.goto(`${urls.dpi}/`);
    await page.getByRole('link', { name: 'Se connecter avec HospiConnect' }).click();
    await page.waitForURL((url) => url.origin === urls.gateway);
    assert.doesNotMatch((await page.locator('main').textContent()) ?? '', /invalid_redirect_uri/, 'the DPI is registered where it runs');
    await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await page.waitForURL((url) => url.origin === urls.psc);
    await page.getByLabel(/DOC0042788/).check();
    await page.getByLabel(/Carte CPS/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/enrol$/);
    await page.getByRole('button', { name: 'Plus tard' }).click();
    await page.waitForURL(`${urls.dpi}/`);
    assert.match((await page.locator('h1').textContent()) ?? '', /Bonjour Kit DOC0042788/);
    assert.equal(await page.locator('[data-testid=acr]').textContent(), 'eidas3');
    await screenshot(page, '40-sandbox-ports-dpi');
  });

  it('opens the DMP-like service by single sign-on (its keys fetched on its port), then signs out of both', async () => {
    await page.goto(`${urls.dmp}/login`);
    await page.waitForURL(`${urls.dmp}/`);
    assert.match((await page.locator('h1').textContent()) ?? '', /Bonjour Kit DOC0042788/);
    assert.match((await page.locator('[data-testid=token-type]').textContent()) ?? '', /DPoP/);
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('button', { name: 'Oui, me déconnecter' }).click();
    await page.waitForURL(`${urls.dmp}/`);
    await page.goto(`${urls.dpi}/`);
    assert.match((await page.locator('main').textContent()) ?? '', /Identifiez-vous avec HospiConnect/, 'the DPI was told by back-channel logout, on its port');
    assert.deepEqual(problems, []);
  });
});
