/**
 * Emergency access (accès de secours) over real HTTP: an administrator signed in at eidas3
 * issues a code on /admin/emergency (below eidas3: asked to step up); the admin CLI issues one
 * too; the clinician signs in with it once, at eidas1 with amr ["otp"]; an application that
 * needs more refuses it without spending the code; refusals — expired, another clinician's,
 * reused, malformed — sign nobody in; each issuance and use is audited, logged as a warning
 * and counted in /metrics.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, isRpRedirect, signIn } from '../support/psc-login.ts';
import { loginPage } from '../support/key-journey.ts';
import { issueEmergencyCode, signInWithCode } from '../support/emergency-form.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { createNoticeBoard } from '../../src/means/index.ts';
import { TEST_REDIS_URL } from '../support/redis.ts';

const ADMIN = '899700427885';
const CLINICIAN = '810101234561';
const OTHER = '810102345672';
const logs: string[] = [];
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    name: 'emergency',
    logs,
    // Notices at sign-in on (the test stack turns them off): a sign-in with one pending stops at them.
    overrides: { 'admin.idNats': [ADMIN], 'emergency.validityHours': 12, 'means.noticesAtSignIn': true },
    clientOverrides: { 'jwt-userinfo-rp': { min_acr: 'eidas2' } },
  });
  // Accounts exist once PSC vouched for the clinicians.
  for (const practitioner of [CLINICIAN, OTHER]) await signIn(stack, new TestBrowser(), { choice: { practitioner } });
});
afterAll(async () => {
  await stack.close();
});

const issue = (idNat: string, options: { hoursAgo?: number; hours?: number } = {}) => issueEmergencyCode(stack, idNat, options);
const withCode = (idNat: string, code: string, clientId = 'test-rp') => signInWithCode(stack, idNat, code, clientId);

async function recent(type: string, limit = 20) {
  return (await stack.gateways[0]!.auditLog.range({ order: 'newest-first', limit })).filter((e) => e.type === type);
}

describe('emergency access: signing in with a code', () => {
  it('signs the clinician in once, at the lowest level with an honest amr; audited, warned, counted', async () => {
    const { code } = await issue(CLINICIAN);
    const { start, sent } = await withCode(CLINICIAN, code.toLowerCase().replaceAll('-', ' '));
    assert.ok(start.page.doc.querySelector('a[href$="/emergency"]'), 'the sign-in page links to emergency access');
    assert.ok(sent.stoppedAt, `reaches the application: ${sent.page?.status} ${sent.page?.text}`);
    const tokens = await exchange({ ...start.request, callback: sent.stoppedAt });
    assert.equal(tokens.claims()!.sub, CLINICIAN);
    assert.equal(tokens.claims()!.acr, 'eidas1');
    assert.deepEqual(tokens.claims()!.amr, ['otp']);

    const [used] = await recent('emergency.used');
    assert.equal(used?.actor, CLINICIAN);
    assert.equal(used?.details?.issuedBy, 'test');
    assert.equal(used?.details?.acr, 'eidas1');
    assert.ok(!JSON.stringify(await recent('emergency.used')).includes(code), 'the code is never in the audit trail');
    assert.ok(
      logs.some((line) => line.includes('"level":40') && line.includes('emergency access code used')),
      'a warning log line',
    );
    const metrics = await (await fetch(`${stack.issuer}/metrics`)).text();
    assert.match(metrics, /hc_emergency_access_total\{event="used"\} 1/);

    const again = await withCode(CLINICIAN, code);
    assert.equal(again.sent.page?.status, 400, 'a code works once');
    assert.equal(again.sent.page?.doc.querySelector('[data-problem]')?.getAttribute('data-problem'), 'refused');
    assert.equal((await recent('emergency.refused'))[0]?.reason, 'code-used');
  });

  /** The emergency form of one sign-in sent twice at once (a double click): both answers, and the sign-in's start. */
  async function sentTwice(idNat: string) {
    const { code } = await issue(idNat);
    const browser = new TestBrowser();
    const start = await loginPage(stack, browser);
    const action = `${stack.issuer}${start.base}/emergency`;
    const form = await browser.request(action);
    const csrf = form.doc.querySelector('form[data-emergency-form] input[name="_csrf"]')?.getAttribute('value');
    assert.ok(csrf, 'the form carries its CSRF token');
    const fields = { _csrf: csrf, idNat, code };
    const answers = await Promise.all([browser.request(action, { form: fields }), browser.request(action, { form: fields })]);
    assert.deepEqual(
      answers.map((a) => a.status),
      [303, 303],
      `both answers go on with the sign-in: ${answers.map((a) => `${a.status} ${a.text.slice(0, 80)}`).join(' | ')}`,
    );
    return { browser, start, answers, locations: answers.map((a) => new URL(a.headers.get('location')!, a.url).pathname) };
  }

  it('a form sent twice at once (a double click) signs the clinician in with the answer the browser shows', async () => {
    const usedBefore = (await recent('emergency.used', 100)).length;
    const { browser, start, answers, locations } = await sentTwice(CLINICIAN);
    // The browser shows the answer to the last submission: either must finish the sign-in.
    for (const location of locations) assert.match(location, /^\/auth\//, 'on with the sign-in');
    const followed = await browser.follow(new URL(answers[1]!.headers.get('location')!, answers[1]!.url), {}, { stopAt: isRpRedirect });
    assert.ok(followed.stoppedAt, `reaches the application: ${followed.page?.status} ${followed.page?.text.slice(0, 200)}`);
    const tokens = await exchange({ ...start.request, callback: followed.stoppedAt });
    assert.equal(tokens.claims()!.sub, CLINICIAN);
    assert.equal((await recent('emergency.used', 100)).length, usedBefore + 1, 'one use of the code');
  });

  it('a form sent twice while the sign-in stops at the notices step: both answers go to that step', async () => {
    const noticed = '810103456783';
    await signIn(stack, new TestBrowser(), { choice: { practitioner: noticed } });
    // A key of theirs revoked by an administrator, not acknowledged yet: the next sign-in shows it first.
    await createNoticeBoard(stack.store, createKeyNames(stack.prefix)).add(noticed, {
      seq: 9_000_000,
      change: 'revoked',
      at: new Date().toISOString(),
      by: 'admin',
      count: 1,
    });
    const { locations } = await sentTwice(noticed);
    for (const location of locations) assert.match(location, /\/notices$/, `the notices step: ${locations.join(' ')}`);
  });

  it('refuses an expired code', async () => {
    const { code } = await issue(CLINICIAN, { hoursAgo: 2, hours: 1 });
    const { sent } = await withCode(CLINICIAN, code);
    assert.equal(sent.page?.status, 400);
    assert.equal(sent.page?.doc.querySelector('[data-problem]')?.getAttribute('data-problem'), 'expired');
    assert.match(sent.page!.text, /a expiré/);
    assert.equal((await recent('emergency.refused'))[0]?.reason, 'code-expired');
  });

  it('refuses the code of another clinician, and spends it (it was shown to someone else)', async () => {
    const { code } = await issue(OTHER);
    const { sent } = await withCode(CLINICIAN, code);
    assert.equal(sent.page?.status, 400);
    assert.ok(!sent.stoppedAt);
    const [refused] = await recent('emergency.refused');
    assert.equal(refused?.reason, 'other-clinician');
    assert.equal(refused?.details?.claimed, CLINICIAN);
    assert.equal(refused?.details?.issuedFor, OTHER);
    assert.equal(refused?.actor, OTHER, 'in the activity of the clinician whose code was spent');
    const owner = await withCode(OTHER, code);
    assert.equal(owner.sent.page?.status, 400, 'the spent code no longer works for its owner either');
  });

  it('refuses malformed input with the form again, and an unknown code', async () => {
    const malformed = await withCode('{x}', 'not a code');
    assert.equal(malformed.sent.page?.status, 400);
    assert.equal(malformed.sent.page?.doc.querySelector('[data-problem]')?.getAttribute('data-problem'), 'malformed');
    const unknown = await withCode(CLINICIAN, 'ACDE-FGHJ-KMNP-QRTU');
    assert.equal(unknown.sent.page?.status, 400);
    assert.equal((await recent('emergency.refused'))[0]?.reason, 'unknown-code');
  });

  it('an application that needs more than the lowest level refuses it, without spending the code', async () => {
    const { code } = await issue(CLINICIAN);
    const { start, form, sent } = await withCode(CLINICIAN, code, 'jwt-userinfo-rp');
    assert.equal(start.page.doc.querySelector('a[href$="/emergency"]'), null, 'no link where the level is not enough');
    assert.equal(form.status, 403);
    assert.equal(sent.page?.status, 403);
    assert.equal((await recent('emergency.refused'))[0]?.reason, 'level-too-low');
    const elsewhere = await withCode(CLINICIAN, code);
    assert.ok(elsewhere.sent.stoppedAt, 'the code still works where the lowest level is accepted');
  });

  it('a session opened with a code is asked to sign in again by an application that needs more, and cannot enrol a key', async () => {
    const { code } = await issue(CLINICIAN);
    const { browser } = await withCode(CLINICIAN, code);
    const account = await browser.request(`${stack.issuer}/account`);
    assert.equal(account.status, 200);
    const csrf = account.doc.querySelector('[data-webauthn=register]')?.getAttribute('data-csrf') ?? '';
    const enrol = await browser.request(`${stack.issuer}/account/keys/options`, { json: {}, headers: { 'x-csrf-token': csrf } });
    assert.equal(enrol.status, 403);
    assert.equal((enrol.json as { error?: string }).error, 'binding_too_weak');
    const higher = await loginPage(stack, browser, { clientId: 'jwt-userinfo-rp' });
    assert.match(higher.page.text, /niveau d'authentification plus élevé/);
  });
});

describe('emergency access: issuing codes', () => {
  it('/admin/emergency: an administrator below eidas3 is asked to step up; at eidas3 issues a code shown once', async () => {
    const ecps = new TestBrowser();
    await exchange(await signIn(stack, ecps, { choice: { practitioner: ADMIN, means: 'ecps' } }));
    const low = await ecps.request(`${stack.issuer}/admin/emergency`);
    assert.equal(low.status, 303);
    assert.match(low.headers.get('location') ?? '', /^\/account\/login\?acr=eidas3&return=%2Fadmin%2Femergency/);

    const browser = new TestBrowser();
    await exchange(await signIn(stack, browser, { choice: { practitioner: ADMIN, means: 'card' } }));
    const form = await browser.request(`${stack.issuer}/admin/emergency`);
    assert.equal(form.status, 200);
    const bad = await browser.submit(form, 'form[action="/admin/emergency"]', { idNat: '000000000000', hours: '12' });
    assert.equal(bad.page?.status, 400);
    assert.equal(bad.page?.doc.querySelector('[data-problem]')?.getAttribute('data-problem'), 'unknown-clinician');
    const tooLong = await browser.submit(form, 'form[action="/admin/emergency"]', { idNat: CLINICIAN, hours: '24' });
    assert.equal(tooLong.page?.status, 400, 'never longer than emergency.validityHours');
    const done = await browser.submit(form, 'form[action="/admin/emergency"]', { idNat: CLINICIAN, hours: '4' });
    assert.equal(done.page?.status, 200);
    assert.equal(done.page?.headers.get('cache-control'), 'no-store');
    const code = done.page?.doc.querySelector('[data-emergency-code]')?.text.trim() ?? '';
    assert.match(code, /^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/);
    const [issued] = await recent('emergency.issued');
    assert.equal(issued?.outcome, 'success');
    assert.equal(issued?.actor, CLINICIAN);
    assert.equal(issued?.details?.operator, ADMIN);
    assert.equal(issued?.details?.validityHours, 4);
    assert.ok(logs.some((line) => line.includes('"level":40') && line.includes('emergency access code issued')));

    const used = await withCode(CLINICIAN, code);
    assert.ok(used.sent.stoppedAt, 'the code issued on the page signs the clinician in');
  });

  it('a clinician who is not an administrator cannot open the page', async () => {
    const browser = new TestBrowser();
    await exchange(await signIn(stack, browser, { choice: { practitioner: CLINICIAN, means: 'card' } }));
    assert.equal((await browser.request(`${stack.issuer}/admin/emergency`)).status, 403);
  });

  it('npm run admin -- emergency-code issues a code; a new one voids the previous', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: stack.prefix,
      KEYS_DIR: stack.keysDir,
      NODE_ENV: 'test',
      USER: 'iam-operator',
      EMERGENCY_VALIDITY_HOURS: '12',
    };
    delete env.SUDO_USER;
    const admin = (...args: string[]) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ['src/admin/cli.ts', ...args], { encoding: 'utf8', env }, (error, stdout, stderr) =>
          resolve({ status: error ? Number(error.code) : 0, stdout, stderr }),
        );
      });
    const issuedMetric = async () => Number(/^hc_emergency_codes_issued (\d+)/m.exec(await (await fetch(`${stack.issuer}/metrics`)).text())?.[1]);
    const before = await issuedMetric();
    const first = await admin('emergency-code', CLINICIAN, '--hours', '2');
    assert.equal(first.status, 0, first.stderr);
    const firstCode = /: ([A-Z0-9-]{19})$/m.exec(first.stdout)?.[1] ?? '';
    assert.ok(firstCode, first.stdout);
    assert.match(first.stderr, /"level":40.*emergency access code issued/);
    assert.equal(await issuedMetric(), before + 1, "a code issued by the CLI shows in the gateways' metrics");
    assert.ok(!first.stderr.includes(firstCode), 'the warning line never carries the code');
    const second = await admin('emergency-code', CLINICIAN);
    assert.equal(second.status, 0);
    assert.match(second.stdout, /valid once, until/);
    const voided = await withCode(CLINICIAN, firstCode);
    assert.equal(voided.sent.page?.status, 400, 'the first code was voided by the second');
    const secondCode = /: ([A-Z0-9-]{19})$/m.exec(second.stdout)?.[1] ?? '';
    assert.ok((await withCode(CLINICIAN, secondCode)).sent.stoppedAt);
  });
});
