/**
 * Real Chromium for browser tests (playwright-core driving Debian's /usr/bin/chromium; no
 * browser download). Screenshots go to test-artifacts/screenshots/, kept by CI as artefacts.
 */
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumPath } from './prerequisites.ts';

export const SCREENSHOT_DIR = 'test-artifacts/screenshots';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = `${SCREENSHOT_DIR}/${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The phone-sized width every page is also looked at (and must not scroll sideways at). */
export const PHONE_VIEWPORT = { width: 390, height: 844 };

/**
 * Screenshots `page` at its width (`name`) and at the phone width (`name-390`), then restores
 * its viewport; returns the document's width at the phone width (more than 390: it scrolls sideways).
 */
export async function screenshotBothWidths(page: Page, name: string): Promise<number> {
  await screenshot(page, name);
  const desktop = page.viewportSize()!;
  await page.setViewportSize(PHONE_VIEWPORT);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  await screenshot(page, `${name}-390`);
  await page.setViewportSize(desktop);
  return width;
}

/** At the PSC simulator's sign-in page: the test doctor KIT DOC0042788 (pilot staff in the tests) with the CPS card. */
export async function pscCardAsStaff(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
  await page.getByLabel(/DOC0042788/).check();
  await page.getByLabel(/Carte CPS/).check();
  await page.getByRole('button', { name: 'Se connecter' }).click();
}

/**
 * From the demo DPI's sign-in, a PSC round trip with the CPS card of `practitioner` (a label of
 * the simulator's list) whose token endpoint answers 503: the gateway's "PSC not answering" page.
 */
export async function pscNotAnswering(page: Page, psc: { faults: object }, dpi: string, practitioner: RegExp): Promise<void> {
  await page.goto(`${dpi}/login`);
  await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
  await page.getByLabel(practitioner).check();
  await page.getByLabel(/Carte CPS/).check();
  psc.faults = { tokenStatus: 503 };
  try {
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForSelector('.alert');
  } finally {
    psc.faults = {};
  }
}

/** Collects Content-Security-Policy violations and page errors reported by the browser. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  return problems;
}
