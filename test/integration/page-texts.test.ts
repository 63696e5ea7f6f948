/**
 * Texts of the pages as a clinician or the pilot team reads them: first names written as
 * names (« Kit », not « KIT »), a step-up naming one means when one is shown, the printed
 * report's « autres » line after its six first professions, fall-backs kept apart from PSC's
 * errors, and the demo DPI's French error and « vous êtes déconnecté(e) ».
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser, type Page } from '../support/browser.ts';
import { authorizationRequest, exchange, isRpRedirect, loginAtPsc, signIn } from '../support/psc-login.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { createPilotAggregates, createPilotFiguresReader, parisDay } from '../../src/pilot/index.ts';
import { generatePilotActivity } from '../../src/pilot/seed.ts';
import { professionLabel } from '../../src/accounts/index.ts';

const STAFF = '899700427885';
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'page-texts', demoApps: true, overrides: { 'pilot.staffIdNats': [STAFF] } });
});
afterAll(async () => {
  await stack.close();
});

/** The page's visible text, without the parts marked as another language (technical details). */
function frenchText(page: Page): string {
  const main = page.doc.querySelector('main')!.clone() as typeof page.doc;
  for (const foreign of main.querySelectorAll('[lang]')) foreign.remove();
  return main.text.replace(/\s+/g, ' ').trim();
}

describe('greetings', () => {
  it('the enrolment offer greets « Kit », as a first name is written, not « KIT » as PSC sends it', async () => {
    const browser = new TestBrowser();
    const request = await authorizationRequest(stack);
    const first = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    const enrol = await loginAtPsc(browser, first.page!, { practitioner: STAFF, means: 'card' }, { skipEnrolment: false });
    assert.equal(enrol.page?.doc.querySelector('h1')?.text.trim(), 'Kit, connectez-vous en quelques secondes la prochaine fois');
  });

  it('the demo DPI greets « Lucie TESTPETIT »', async () => {
    const browser = new TestBrowser();
    const first = await browser.follow(`${stack.demo!.dpi}/login`);
    const done = await loginAtPsc(browser, first.page!, { practitioner: '810104567894', means: 'card' }, { stopAt: () => false });
    assert.equal(done.page?.url, `${stack.demo!.dpi}/`);
    assert.equal(done.page?.doc.querySelector('h1')?.text.trim(), 'Bonjour Lucie TESTPETIT');
  });
});

describe('step-up', () => {
  it("one means shown: « confirmez avec le moyen ci-dessous », not « l'un des moyens »", async () => {
    const browser = new TestBrowser();
    await exchange(await signIn(stack, browser, { choice: { practitioner: '810101234561', means: 'ecps' } }));
    const request = await authorizationRequest(stack, { params: { acr_values: 'eidas3' } });
    const { page } = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    assert.equal(page?.doc.querySelectorAll('form[action$="/psc"]').length, 1);
    assert.equal(page?.doc.querySelectorAll('[data-webauthn]').length, 0, 'no key: the card through PSC is the only means');
    const notice = page!.doc.querySelector('.notice')!.text;
    assert.match(notice, /confirmez avec le moyen ci-dessous\./);
    assert.doesNotMatch(notice, /l'un des moyens/);
  });
});

describe('the demo DPI', () => {
  it("a cancelled sign-in: a French explanation; the gateway's English description only as a technical detail marked English", async () => {
    const browser = new TestBrowser();
    const { page: login } = await browser.follow(`${stack.demo!.dpi}/login`);
    const { page } = await browser.submit(login!, 'form[action$="/abort"]');
    assert.equal(page?.status, 400);
    assert.equal(page?.doc.querySelector('html')?.getAttribute('lang'), 'fr');
    const text = frenchText(page!);
    assert.match(text, /Vous avez annulé la connexion/);
    assert.doesNotMatch(text, /\b(the|user|cancelled|sign-in)\b/i, text);
    assert.doesNotMatch(text, /Pro Sante\b/, 'no unaccented names');
    assert.match(page!.doc.querySelector('[lang=en]')?.text ?? '', /access_denied/, 'the code stays available to the support, marked as English');
    assert.ok(page!.doc.querySelector('main a[href="/login"]'), 'a way to try again');
  });

  it('after signing out: « Vous êtes déconnecté(e) »', async () => {
    const browser = new TestBrowser();
    const first = await browser.follow(`${stack.demo!.dpi}/login`);
    await loginAtPsc(browser, first.page!, { practitioner: '810102345672', means: 'card' }, { stopAt: () => false });
    const confirm = await browser.follow(`${stack.demo!.dpi}/logout`, { method: 'POST' });
    const { page } = await browser.submit(confirm.page!, 'form#op\\.logoutForm', { logout: 'yes' });
    assert.equal(page?.url, `${stack.demo!.dpi}/`);
    assert.match(page!.text, /Vous êtes déconnecté\(e\)/);
    const again = await browser.request(`${stack.demo!.dpi}/`);
    assert.doesNotMatch(again.text, /déconnecté/, 'said once, not on every later visit');
  });
});

describe('pilot pages', () => {
  const staff = new TestBrowser();
  beforeAll(async () => {
    const aggregates = createPilotAggregates(stack.store, createKeyNames(stack.prefix));
    let seq = 0;
    for (const { time, input } of generatePilotActivity({ clinicians: 120, days: 10, endDay: parisDay(Date.now()) })) {
      seq += 1;
      await aggregates.apply({ ...input, seq, time: new Date(time).toISOString(), instance: 'pilot-seed', prev: '', mac: '' });
    }
    await exchange(await signIn(stack, staff, { choice: { practitioner: STAFF, means: 'card' } }));
  });

  it('the printed report shows six professions, then one « autres » line with the rest', async () => {
    const range = { from: parisDay(Date.now() - 9 * 86_400_000), to: parisDay(Date.now()) };
    const page = await staff.request(`${stack.issuer}/pilot/report?${new URLSearchParams(range).toString()}`);
    assert.equal(page.status, 200);
    const figures = await createPilotFiguresReader(stack.store, createKeyNames(stack.prefix)).read(range);
    const professions = figures.signIns.byProfession;
    assert.ok(professions.length >= 7, `the seed has ${professions.length} professions`);
    const rows = page.doc.querySelectorAll('[data-report="professions"] tbody tr').map((tr) => tr.querySelectorAll('th, td').map((c) => c.text.trim()));
    assert.equal(rows.length, 7);
    assert.deepEqual(
      rows.slice(0, 6).map((r) => r[0]),
      professions.slice(0, 6).map((p) => professionLabel(p.key)),
    );
    const rest = professions.slice(6).reduce((sum, p) => sum + p.count, 0);
    assert.equal(rows[6]![0], `Autres professions (${professions.length - 6})`);
    assert.equal(rows[6]![1]!.replace(/\s/g, ''), String(rest));
  });

  it("the dashboard lists fall-backs apart from PSC's errors", async () => {
    const page = await staff.request(`${stack.issuer}/pilot`);
    assert.doesNotMatch(page.doc.querySelector('#table-psc-errors')!.text, /Replis/);
    assert.match(page.doc.querySelector('[data-figure="fallbacks"]')?.text ?? '', /Replis d'une clé vers Pro Santé Connect/);
  });
});
