/**
 * /pilot over real HTTP: only the pilot team, only at eidas2 or above; the figures come from
 * the sign-ins just made (the same events the audit chain holds, counted once); exports
 * (CSV, JSON) carry every figure and are audited; a bad range gets a French 400 page (JSON for
 * the exports; every case in staff-query.test.ts).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, loginAtPsc, signIn } from '../support/psc-login.ts';
import { ceremony, followToRp, interactionPath, loginPage, pscUntilNextStep } from '../support/key-journey.ts';
import { createSoftAuthenticator } from '../support/soft-authenticator.ts';
import type { PilotFigures } from '../../src/pilot/index.ts';
import { parisDay } from '../../src/pilot/index.ts';

const STAFF = '899700427885';
let stack: Stack;
let staff: TestBrowser;
beforeAll(async () => {
  stack = await startStack({ name: 'pilot', overrides: { 'pilot.staffIdNats': [STAFF] } });
  staff = new TestBrowser();
});
afterAll(async () => {
  await stack.close();
});

describe('/pilot access', () => {
  it('anonymous visitors are sent to sign in, and come back to the same range', async () => {
    const page = await new TestBrowser().request(`${stack.issuer}/pilot?from=2026-11-01&to=2026-11-07`);
    assert.equal(page.status, 303);
    assert.equal(page.headers.get('location'), `/account/login?return=${encodeURIComponent('/pilot?from=2026-11-01&to=2026-11-07')}`);
    const exported = await new TestBrowser().request(`${stack.issuer}/pilot/export.csv`);
    assert.equal(exported.status, 303);
  });

  it('a clinician who is not in the pilot team gets 403, exports included', async () => {
    const browser = new TestBrowser();
    await exchange(await signIn(stack, browser, { choice: { practitioner: '810101234561', means: 'card' } }));
    for (const path of ['/pilot', '/pilot/report', '/pilot/export.csv', '/pilot/export.json']) {
      const page = await browser.request(`${stack.issuer}${path}`);
      assert.equal(page.status, 403, path);
      assert.match(page.text, /réservée à l'équipe du pilote/);
    }
  });

  it('a pilot team member below eidas2 is asked to step up', async () => {
    const browser = new TestBrowser();
    await exchange(await signIn(stack, browser, { choice: { practitioner: STAFF, means: 'card', forceAuthMode: 'unknown' } }));
    const page = await browser.request(`${stack.issuer}/pilot`);
    assert.equal(page.status, 303);
    assert.match(page.headers.get('location') ?? '', /^\/account\/login\?acr=eidas2&return=%2Fpilot$/);
  });
});

describe('/pilot figures', () => {
  beforeAll(async () => {
    await exchange(await signIn(stack, staff, { choice: { practitioner: STAFF, means: 'card' } }));
  });

  it('counts exactly the sign-ins the audit chain holds for today', async () => {
    const today = parisDay(Date.now());
    const chained = (await stack.gateways[0]!.auditLog.range({ order: 'oldest-first', limit: 10_000 })).filter(
      (e) => e.type === 'signin.succeeded' && parisDay(e.time) === today,
    );
    assert.ok(chained.length >= 3, `expected the sign-ins of this file, got ${chained.length}`);
    const page = await staff.request(`${stack.issuer}/pilot/export.json?from=${today}&to=${today}`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-disposition') ?? '', new RegExp(`^attachment; filename="?hospiconnect-pilote-${today}-${today}\\.json"?$`));
    const figures = page.json as PilotFigures;
    assert.equal(figures.signIns.total, chained.length);
    assert.equal(figures.clinicians.active, new Set(chained.map((e) => e.actor)).size);
    const byAcr = Object.fromEntries(figures.signIns.byAcr.map((r) => [r.key, r.count]));
    assert.equal(byAcr.eidas1, chained.filter((e) => e.details?.acr === 'eidas1').length);
    assert.equal(byAcr.eidas3, chained.filter((e) => e.details?.acr === 'eidas3').length);
    assert.equal(figures.signIns.byClient.find((r) => r.key === 'test-rp')?.count, chained.filter((e) => e.clientId === 'test-rp').length);
    const doctor = figures.signIns.byProfession.find((r) => r.key === '10');
    assert.ok(doctor && doctor.count >= 1, 'the sandbox doctor counts under profession 10');
    assert.ok(figures.signIns.byEstablishment.length >= 1, 'sign-ins of hospital clinicians count under their FINESS');
    assert.ok(figures.clinicians.linked >= 2, 'first PSC sign-ins link clinicians');
    assert.equal(
      figures.timeToSignIn.reduce((n, m) => n + m.count, 0),
      chained.length,
    );
  });

  it('a key refused then PSC in the same attempt counts as one fall-back; enrolment feeds the funnel and the key holders', async () => {
    const today = parisDay(Date.now());
    const read = async () => (await staff.request(`${stack.issuer}/pilot/export.json?from=${today}&to=${today}`)).json as PilotFigures;
    const before = await read();
    const key = createSoftAuthenticator();
    const enrolling = new TestBrowser();
    const { page } = await pscUntilNextStep(stack, enrolling, { practitioner: '810104567894', means: 'card' });
    const { verify } = await ceremony(enrolling, stack, interactionPath(page!), 'enrol', key, { name: 'Clé pilote' });
    await followToRp(enrolling, stack, verify);
    const enrolled = await read();
    assert.equal(enrolled.clinicians.withKey, before.clinicians.withKey + 1);
    assert.deepEqual(
      [enrolled.funnel.offered, enrolled.funnel.started, enrolled.funnel.completed],
      [before.funnel.offered + 1, before.funnel.started + 1, before.funnel.completed + 1],
    );

    const browser = new TestBrowser();
    const login = await loginPage(stack, browser);
    await ceremony(browser, stack, login.base, 'webauthn', key, {}, { userVerified: false });
    const back = await loginAtPsc(browser, login.page, { practitioner: '810104567894', means: 'card' });
    assert.ok(back.stoppedAt, 'the clinician reaches the application through PSC');
    const after = await read();
    assert.equal(after.failures.fallbacksKeyToPsc, before.failures.fallbacksKeyToPsc + 1);
    assert.equal(after.failures.byReason.find((r) => r.key === 'user-verification-missing')?.count, 1);
    assert.equal(after.signIns.total, enrolled.signIns.total + 1);
  });

  it('shows the dashboard in French with its charts, tables and export links', async () => {
    const page = await staff.request(`${stack.issuer}/pilot`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Adoption de HospiConnect/);
    assert.ok(page.doc.querySelector('canvas#chart-sign-ins'));
    assert.ok(page.doc.querySelector('table#table-daily'));
    assert.equal(page.doc.querySelectorAll('#table-daily tbody tr').length, 30, 'the default range is the last 30 days');
    assert.ok(page.doc.querySelector('a[href^="/pilot/export.csv?from="]'));
    const data = JSON.parse(page.doc.querySelector('#pilot-data')!.text) as { labels: string[] };
    assert.equal(data.labels.length, 30);
    assert.doesNotMatch(page.text, /<script>(?!<)/, 'no inline script');
    const script = await staff.request(`${stack.issuer}/static/vendor/chart.js/chart.umd.min.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    const english = await staff.request(`${stack.issuer}/pilot?lang=en`);
    assert.match(english.text, /HospiConnect adoption/);
    assert.match((await staff.request(`${stack.issuer}/pilot?lang=fr`)).text, /Adoption de HospiConnect/);
  });

  it('the printable report fits the same figures', async () => {
    const page = await staff.request(`${stack.issuer}/pilot/report`);
    assert.equal(page.status, 200);
    assert.match(page.text, /rapport d'adoption/);
    assert.ok(page.doc.querySelector('button[data-print]'));
  });

  it('exports every figure as CSV for a French spreadsheet, and records the export', async () => {
    const today = parisDay(Date.now());
    const page = await staff.request(`${stack.issuer}/pilot/export.csv?from=${today}&to=${today}`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8/);
    const lines = page.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    assert.equal(lines[0], 'section;indicateur;cle;libelle;valeur;part_pct');
    const json = (await staff.request(`${stack.issuer}/pilot/export.json?from=${today}&to=${today}`)).json as PilotFigures;
    assert.ok(lines.includes(`connexions;total;;;${json.signIns.total};`));
    assert.ok(lines.includes(`professionnels;actifs_periode;;;${json.clinicians.active};`));
    assert.ok(lines.some((l) => l.startsWith(`jour;connexions;${today};;`)));
    const recent = await stack.gateways[0]!.auditLog.range({ order: 'newest-first', limit: 5 });
    const exported = recent.find((e) => e.type === 'admin.action' && e.details?.action === 'pilot.export');
    assert.equal(exported?.actor, STAFF);
    assert.equal(exported?.details?.format, 'json');
  });

  it('a bad range gets a French 400 page, and the exports a JSON 400 and no file', async () => {
    for (const query of ['from=2026-02-30', 'from=2026-11-10&to=2026-11-01', 'from=2020-01-01&to=2026-01-01', 'to=demain']) {
      const page = await staff.request(`${stack.issuer}/pilot?${query}`);
      assert.equal(page.status, 400, query);
      assert.match(page.text, /Les paramètres de cette adresse ne sont pas valides/);
      const exported = await staff.request(`${stack.issuer}/pilot/export.csv?${query}`);
      assert.equal(exported.status, 400, query);
      assert.equal((exported.json as { error?: string }).error, 'invalid_query');
      assert.equal(exported.headers.get('content-disposition'), null);
    }
  });
});
