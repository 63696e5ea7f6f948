/**
 * Accessibility of the gateway's pages, checked by axe-core (the engine of the issue 18 audit)
 * in real Chromium: the pages of every journey a clinician or a staff member walks, each in
 * French and in English, at desktop and at phone width (390 px), against WCAG 2.1 A and AA.
 * A violation fails the test with its rule, impact, help and first elements. axe is put into
 * each page through DevTools (page.evaluate), so the page's own CSP stays in force: no CSP
 * violation or script error either.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import axe from 'axe-core';
import { startStack, RP_REDIRECT, type Stack } from '../support/stack.ts';
import { authorizationRequest } from '../support/psc-login.ts';
import { launchChromium, pscNotAnswering, watchConsole, PHONE_VIEWPORT } from '../support/chromium.ts';
import { diagnostic } from '../support/diagnostic.ts';

const STAFF = '899700427885';
const DESKTOP = { width: 1280, height: 900 };
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let stack: Stack;
let browser: Browser;
/** Every page audited, as `name (lang)`: the pages covered, listed by the last test. */
const audited: string[] = [];
/** The issue 18 audit's count: no fewer distinct pages are checked, each in both languages. */
const AUDITED_PAGES_AT_LEAST = 16;

beforeAll(async () => {
  stack = await startStack({
    name: 'e2e-a11y',
    demoApps: true,
    delegation: {},
    overrides: { 'pilot.staffIdNats': [STAFF], 'admin.idNats': [STAFF], 'webauthn.timeoutSeconds': 10 },
    clientOverrides: { 'demo-dmp': { min_acr: 'eidas3', phishing_resistant: true }, 'demo-dpi': { key_after_ecps: true } },
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

interface Tab {
  context: BrowserContext;
  page: Page;
  problems: string[];
  violations: string[];
}

/** A French browser with a virtual security key; the test applications' redirect_uri answers a blank page. */
async function openTab(): Promise<Tab> {
  const context = await browser.newContext({ locale: 'fr-FR', viewport: DESKTOP });
  context.setDefaultTimeout(15_000);
  await context.route(/^http:\/\/127\.0\.0\.1:9\//, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<html lang="en"><title>RP</title><main><h1>RP</h1></main></html>' }),
  );
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { context, page, problems: watchConsole(page), violations: [] };
}

/** One line per violation: rule, impact, help, and the first three elements it was found on. */
async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  return page.evaluate(async (tags) => {
    const results = await (window as unknown as { axe: typeof axe }).axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return results.violations.map(
      (v) =>
        `${v.id} (${v.impact ?? 'no impact'}): ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(' | ')}`,
    );
  }, WCAG_21_AA);
}

/** Audits the current page at desktop and phone width; its violations are kept on the tab. */
async function audit(tab: Tab, name: string) {
  const lang = await tab.page.getAttribute('html', 'lang');
  for (const viewport of [DESKTOP, PHONE_VIEWPORT]) {
    await tab.page.setViewportSize(viewport);
    for (const line of await axeViolations(tab.page)) tab.violations.push(`${name} (${lang}, ${viewport.width} px): ${line}`);
  }
  await tab.page.setViewportSize(DESKTOP);
  audited.push(`${name} (${lang})`);
}

/** Audits the current page in French, then through its language link in English, and comes back to French. */
async function auditBothLanguages(tab: Tab, name: string) {
  const { page } = tab;
  await audit(tab, name);
  await page.getByRole('link', { name: 'English' }).click();
  await page.waitForSelector('html[lang=en]');
  await audit(tab, name);
  await page.getByRole('link', { name: 'Français' }).click();
  await page.waitForSelector('html[lang=fr]');
}

/** Fills and sends the form of /admin/emergency (whatever the page's language). */
async function issueEmergencyCode(page: Page, idNat: string) {
  await page.locator('#ae-idnat').fill(idNat);
  await page.locator('#ae-hours').selectOption('4');
  await page.locator('form[action="/admin/emergency"] button[type=submit]').click();
}

/** No violation on the tab's pages, no CSP violation nor script error. */
function assertClean(tab: Tab) {
  assert.equal(tab.violations.length, 0, `accessibility violations (WCAG 2.1 A/AA, axe-core ${axe.version}):\n${tab.violations.join('\n')}`);
  assert.deepEqual(tab.problems, [], 'no CSP violation or script error');
}

describe('accessibility of the pages (axe-core, WCAG 2.1 AA)', () => {
  let tab: Tab;
  beforeAll(async () => {
    tab = await openTab();
  });
  afterAll(async () => {
    await tab?.context.close();
  });

  it('sign-in journey: the staff and application sign-in pages, emergency access, PSC refusal, enrolment offer, consent, error pages', async () => {
    const { page } = tab;
    await page.goto(`${stack.issuer}/admin/emergency`);
    await page.getByRole('heading', { name: "Identifiez-vous pour délivrer un code d'accès de secours" }).waitFor();
    await auditBothLanguages(tab, 'staff sign-in (/admin/emergency)');
    await page.goto(`${stack.demo!.dpi}/login`);
    await page.waitForURL(/\/interaction\/[^/]+$/);
    await auditBothLanguages(tab, 'sign-in page');

    await page.getByRole('link', { name: 'Accès de secours (code remis par un administrateur)' }).click();
    await page.waitForURL(/\/emergency$/);
    await auditBothLanguages(tab, 'emergency access sign-in');
    await page.getByLabel('Identifiant national (RPPS ou ADELI)').fill('810103456783');
    await page.getByLabel('Code de secours').fill('ACDE-FGHJ-KMNP-QRTU');
    await page.getByRole('button', { name: 'Me connecter avec le code' }).click();
    await page.locator('[data-problem=refused]').waitFor();
    await auditBothLanguages(tab, 'emergency access refused');

    await page.goto(`${stack.demo!.dpi}/login`);
    await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await page.getByRole('button', { name: 'Refuser' }).click();
    await page.waitForSelector('.alert');
    await auditBothLanguages(tab, 'PSC refusal');

    await page.getByRole('button', { name: 'Réessayer avec Pro Santé Connect' }).click();
    await page.getByLabel(/DOC0042788/).check();
    await page.getByLabel(/Carte CPS/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/enrol$/);
    await auditBothLanguages(tab, 'enrolment offer');
    await page.getByRole('button', { name: 'Enregistrer ma clé ou mon passkey' }).click();
    await page.waitForURL(`${stack.demo!.dpi}/`);

    await page.goto((await authorizationRequest(stack, { clientId: 'third-party-rp' })).url.href);
    await page.waitForSelector('.scope-list');
    await auditBothLanguages(tab, 'consent');
    await page.getByRole('button', { name: 'Autoriser' }).click();
    await page.waitForURL((u) => u.href.startsWith(RP_REDIRECT));

    await page.goto((await authorizationRequest(stack, { params: { redirect_uri: 'https://attacker.example/' } })).url.href);
    await page.waitForSelector('.alert');
    await auditBothLanguages(tab, 'error: unregistered redirect_uri');
    await page.goto(`${stack.issuer}/no-such-page`);
    await auditBothLanguages(tab, 'error: page not found');
    assertClean(tab);
  });

  it('/account, /pilot, /pilot/report, /pilot/rie, /admin/audit, /admin/emergency', async () => {
    const { page } = tab;
    // The gateway's session of the sign-in journey opens the account portal: no PSC again.
    await page.goto(`${stack.issuer}/account`);
    await page.locator('form[action$="/rename"]').first().waitFor();
    await auditBothLanguages(tab, '/account with a key');
    await page.locator('form[action$="/rename"] input[name=name]').first().fill('Clé du bloc');
    await page.locator('form[action$="/rename"] button[type=submit]').first().click();
    await page.waitForSelector('[data-notice=renamed]');
    await auditBothLanguages(tab, '/account after renaming a key');
    await page.locator('form[action$="/rename"] input[name=name]').first().fill('   ');
    await page.locator('form[action$="/rename"] button[type=submit]').first().click();
    await page.waitForURL(/\/rename$/);
    await auditBothLanguages(tab, 'error: a refused request (blank key name)');
    await page.goto(`${stack.issuer}/account`);
    await page.getByRole('link', { name: 'Retirer « Clé du bloc »' }).click();
    await page.waitForURL(/\/account\/keys\/[^/]+\/revoke/);
    await auditBothLanguages(tab, 'removing a key: confirmation');

    await page.goto(`${stack.issuer}/pilot`);
    await page.waitForSelector('.pilot-exports');
    await auditBothLanguages(tab, '/pilot');
    await page.goto(`${stack.issuer}/pilot/report`);
    await auditBothLanguages(tab, '/pilot/report');
    await page.goto(`${stack.issuer}/pilot/rie`);
    await page.waitForSelector('[data-rie-check]');
    await auditBothLanguages(tab, '/pilot/rie');
    await page.goto(`${stack.issuer}/admin/audit`);
    await page.waitForSelector('.search-form');
    await auditBothLanguages(tab, '/admin/audit');

    await page.goto(`${stack.issuer}/admin/emergency`);
    await page.locator('#ae-idnat').waitFor();
    await auditBothLanguages(tab, '/admin/emergency');
    // Its answers come from a POST and have no language link: each language is asked for first.
    for (const lang of ['fr', 'en']) {
      await page.goto(`${stack.issuer}/admin/emergency?lang=${lang}`);
      await issueEmergencyCode(page, '810103456783');
      await page.locator('[data-problem]').waitFor();
      await audit(tab, '/admin/emergency: nobody known under this number');
      // A code for someone who has signed in once: the staff member.
      await issueEmergencyCode(page, STAFF);
      await page.locator('[data-emergency-code]').waitFor();
      await audit(tab, '/admin/emergency: code issued');
    }
    await page.goto(`${stack.issuer}/account/signed-out?lang=fr`);
    await auditBothLanguages(tab, 'account portal: signed out');
    assertClean(tab);
  });

  it('logout confirmation and signed-out page', async () => {
    const { page } = tab;
    await page.goto(`${stack.issuer}/session/end`);
    await auditBothLanguages(tab, 'logout confirmation');
    await page.getByRole('button', { name: 'Oui, me déconnecter' }).click();
    await page.waitForURL(/\/session\/end\/success/);
    await auditBothLanguages(tab, 'signed out');
    assertClean(tab);
  });
});

describe('accessibility of the step-up and PSC sans couture pages (axe-core, WCAG 2.1 AA)', () => {
  let tab: Tab;
  beforeAll(async () => {
    tab = await openTab();
  });
  afterAll(async () => {
    await tab?.context.close();
  });

  it('a key enrolled after e-CPS: the second factor, PSC refusing the key, the DMP-like service asking for more, then finding the level too low; raising the key', async () => {
    const { page, context } = tab;
    await page.goto(`${stack.demo!.dpi}/login`);
    await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await page.getByLabel(/LUCIE TESTPETIT/i).check();
    await page.getByLabel(/Application e-CPS/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/enrol$/);
    await page.getByRole('button', { name: 'Enregistrer ma clé ou mon passkey' }).click();
    // The DPI asks for a key after e-CPS (key_after_ecps): the new key confirms the sign-in.
    await page.waitForURL(/\/second-factor$/);
    await auditBothLanguages(tab, 'second factor after e-CPS');
    await page.getByRole('button', { name: 'Confirmer avec ma clé' }).click();
    await page.waitForURL(`${stack.demo!.dpi}/`);

    await page.goto(`${stack.demo!.dmp}/login`);
    await page.waitForURL(/\/interaction\/[^/]+$/);
    await auditBothLanguages(tab, 'sign-in page asking for a higher level');
    await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await page.getByLabel(/LUCIE TESTPETIT/).check();
    await page.getByLabel(/Application e-CPS/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForSelector('.alert');
    await auditBothLanguages(tab, 'level too low');

    // PSC's own session (the e-CPS sign-ins above) would answer the national service by itself.
    await context.clearCookies({ name: /^_session/ });
    await page.goto(`${stack.national!}/login`);
    await page.waitForURL(/\/interaction\//);
    await auditBothLanguages(tab, 'PSC sans couture: sign-in with the key');
    await page.getByRole('link', { name: "Je n'ai pas encore de clé de sécurité ni de passkey" }).click();
    await page.getByRole('heading', { name: "Vous n'avez pas encore de clé" }).waitFor();
    await auditBothLanguages(tab, 'PSC sans couture: no key yet');
    await page.goto(`${stack.national!}/login`);
    await page.getByRole('button', { name: 'Utiliser ma clé de sécurité ou mon téléphone' }).click();
    await page.getByRole('heading', { name: 'Cette clé ne permet pas de vous connecter à Pro Santé Connect' }).waitFor();
    await auditBothLanguages(tab, 'PSC sans couture: key refused');

    // The key, bound under e-CPS, could prove more: /account offers to raise it.
    await page.goto(`${stack.issuer}/account`);
    await page.locator('[data-raise-link]').click();
    await page.waitForURL(/\/raise$/);
    await auditBothLanguages(tab, 'raising a key');
    assertClean(tab);
  });

  it('Pro Santé Connect not answering', async () => {
    const { page, context } = tab;
    await context.clearCookies();
    await pscNotAnswering(page, stack.psc, stack.demo!.dpi, /LUCIE TESTPETIT/);
    await auditBothLanguages(tab, 'Pro Santé Connect not answering');
    assertClean(tab);
  });
});

it(`covers at least ${AUDITED_PAGES_AT_LEAST} pages, each in French and in English`, () => {
  const names = new Set(audited.map((a) => a.replace(/ \((fr|en)\)$/, '')));
  const missing = [...names].flatMap((name) => ['fr', 'en'].filter((lang) => !audited.includes(`${name} (${lang})`)).map((lang) => `${name} (${lang})`));
  assert.deepEqual(missing, [], 'every page audited in both languages');
  assert.ok(names.size >= AUDITED_PAGES_AT_LEAST, `${names.size} pages audited`);
  diagnostic(
    `axe-core ${axe.version}, at ${DESKTOP.width} and ${PHONE_VIEWPORT.width} px: ${names.size} pages, each in French and English: ${[...names].join('; ')}`,
  );
});
