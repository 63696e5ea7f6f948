/**
 * How the pages look in real Chromium, measured on computed styles and boxes at desktop and
 * phone width (390 px): no link in the browser's default blue or purple, the PSC and key marks
 * of the sign-in buttons kept square, the header exactly as wide as the card on every page
 * (/account, /admin/audit, /pilot included). Each page is screenshotted at both widths
 * (test-artifacts/screenshots/look-*.png) to be looked at.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startStack, type Stack } from '../support/stack.ts';
import { authorizationRequest } from '../support/psc-login.ts';
import { launchChromium, screenshot, watchConsole, SCREENSHOT_DIR } from '../support/chromium.ts';

const STAFF = '899700427885';
const WIDTHS = [
  ['desktop', { width: 1280, height: 900 }],
  ['390', { width: 390, height: 844 }],
] as const;
const DEFAULT_LINK_COLOURS = ['rgb(0, 0, 238)', 'rgb(85, 26, 139)', 'rgb(0, 0, 255)'];

let stack: Stack;
let browser: Browser;
beforeAll(async () => {
  stack = await startStack({ name: 'e2e-look', demoApps: true, overrides: { 'pilot.staffIdNats': [STAFF], 'admin.idNats': [STAFF] } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function newContext(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ locale: 'fr-FR', viewport: WIDTHS[0][1] });
  await context.route(/^http:\/\/127\.0\.0\.1:9\//, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<title>RP</title><p>retour application</p>' }),
  );
  const page = await context.newPage();
  return { context, page, problems: watchConsole(page) };
}

/** Links whose colour is the browser's default (unstyled): their text and colour. */
async function defaultColouredLinks(page: Page) {
  const links = await page
    .locator('a')
    .evaluateAll((as) =>
      as.map((a) => ({ text: (a.textContent ?? '').trim(), colour: getComputedStyle(a).color, visible: (a as HTMLElement).offsetParent !== null })),
    );
  return links.filter((l) => l.visible && DEFAULT_LINK_COLOURS.includes(l.colour));
}

/** Left and right edges of the header and of the card (border boxes, CSS pixels). */
async function headerAndCard(page: Page) {
  return page.evaluate(() => {
    const box = (selector: string) => {
      const r = document.querySelector(selector)!.getBoundingClientRect();
      return { left: Math.round(r.left), right: Math.round(r.right) };
    };
    return { header: box('.site-header'), card: box('main.card'), pageWidth: document.documentElement.scrollWidth };
  });
}

/**
 * At each width: a screenshot, no default-coloured link, the header as wide as the card, and
 * (unless `allowOverflow`: the wide tables of /pilot and its report, left to those pages'
 * layouts) no page wider than the screen.
 */
async function checkLook(page: Page, name: string, options: { allowOverflow?: boolean } = {}) {
  for (const [label, viewport] of WIDTHS) {
    await page.setViewportSize(viewport);
    await screenshot(page, `look-${name}-${label}`);
    assert.deepEqual(await defaultColouredLinks(page), [], `${name} (${label}): links in the browser's default colour`);
    const { header, card, pageWidth } = await headerAndCard(page);
    assert.ok(
      Math.abs(header.left - card.left) <= 1 && Math.abs(header.right - card.right) <= 1,
      `${name} (${label}): header ${JSON.stringify(header)} and card ${JSON.stringify(card)} have the same edges`,
    );
    if (!options.allowOverflow) assert.ok(pageWidth <= viewport.width, `${name} (${label}): the page is ${pageWidth} px wide`);
  }
}

/** Width / height of each mark of the sign-in buttons. */
async function markRatios(page: Page) {
  return page.locator('.psc-mark, .key-mark').evaluateAll((marks) =>
    marks.map((m) => {
      const r = m.getBoundingClientRect();
      return { mark: m.className, width: r.width, height: r.height };
    }),
  );
}

describe("the pages' look in Chromium", () => {
  it('sign-in page: marks not squashed at phone width, links styled, header as wide as the card', async () => {
    const { context, page, problems } = await newContext();
    await page.goto((await authorizationRequest(stack)).url.href);
    for (const [label, viewport] of WIDTHS) {
      await page.setViewportSize(viewport);
      const marks = await markRatios(page);
      assert.ok(marks.length >= 1);
      for (const m of marks)
        assert.ok(
          m.width > 0 && Math.abs(m.width - (m.mark === 'psc-mark' ? m.height : (m.height * 1.1) / 1.4)) < 1,
          `${label}: ${JSON.stringify(m)} keeps its proportions`,
        );
    }
    await checkLook(page, 'login');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('error page with its way back', async () => {
    const { context, page, problems } = await newContext();
    await page.goto(`${stack.issuer}/interaction/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`);
    await checkLook(page, 'error-unknown-app');
    await page.goto((await authorizationRequest(stack, { params: { redirect_uri: 'https://attacker.example/' } })).url.href);
    assert.ok(await page.getByRole('link', { name: 'Revenir à Application de test' }).isVisible());
    await checkLook(page, 'error-back-link');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('/account, /admin/audit, /pilot and the printed report of a staff member', async () => {
    const { context, page, problems } = await newContext();
    await page.goto(`${stack.issuer}/account`);
    await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await page.getByLabel(/DOC0042788/).check();
    await page.getByLabel(/Carte CPS/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(`${stack.issuer}/account`);
    assert.ok(await page.getByRole('link', { name: 'Se déconnecter' }).isVisible());
    await checkLook(page, 'account');
    await page.goto(`${stack.issuer}/admin/audit`);
    await page.waitForSelector('.search-form');
    await checkLook(page, 'admin-audit');
    await page.goto(`${stack.issuer}/pilot`);
    await page.waitForSelector('.pilot-exports');
    await checkLook(page, 'pilot', { allowOverflow: true });
    // The parts that changed, large enough to be looked at: the export buttons, the fall-backs.
    await page.setViewportSize(WIDTHS[0][1]);
    await page.locator('.pilot-range').screenshot({ path: `${SCREENSHOT_DIR}/look-pilot-exports-desktop.png` });
    await page.locator('section[aria-labelledby=failures-h]').screenshot({ path: `${SCREENSHOT_DIR}/look-pilot-failures-desktop.png` });
    await page.goto(`${stack.issuer}/pilot/report`);
    await checkLook(page, 'pilot-report', { allowOverflow: true });
    await page.setViewportSize(WIDTHS[0][1]);
    await page.locator('.report-head').screenshot({ path: `${SCREENSHOT_DIR}/look-pilot-report-head-desktop.png` });
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('demo DPI: a cancelled sign-in in French, and « Vous êtes déconnecté(e) »', async () => {
    const { context, page } = await newContext();
    await page.goto(`${stack.demo!.dpi}/login`);
    await page.getByRole('button', { name: "Annuler et revenir à l'application" }).click();
    await page.getByText('Vous avez annulé la connexion').waitFor();
    for (const [label, viewport] of WIDTHS) {
      await page.setViewportSize(viewport);
      await screenshot(page, `look-demo-dpi-error-${label}`);
      assert.deepEqual(await defaultColouredLinks(page), [], label);
    }
    await page.getByRole('link', { name: 'Se connecter à nouveau' }).click();
    await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await page.getByLabel(/TESTROUX/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/enrol$/);
    await page.getByRole('button', { name: 'Plus tard' }).click();
    await page.waitForURL(`${stack.demo!.dpi}/`);
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('button', { name: 'Oui, me déconnecter' }).click();
    await page.getByText('Vous êtes déconnecté(e).').waitFor();
    for (const [label, viewport] of WIDTHS) {
      await page.setViewportSize(viewport);
      await screenshot(page, `look-demo-dpi-signed-out-${label}`);
    }
    await context.close();
  });
});
