/**
 * The RIE conformity report over a real stack: `npm run rie-report` (exit codes, one-line
 * refusal, text and JSON) and the printable staff page /pilot/rie (staff only, eidas2), both
 * from the running configuration, the registered applications and the pilot's aggregates —
 * here a session that stayed usable more than 4 h, and an application without a minimum level.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, signIn } from '../support/psc-login.ts';
import { TEST_REDIS_URL } from '../support/redis.ts';
import type { RieReport } from '../../src/rie/report.ts';

const STAFF = '899700427885';
const MINUTE = 60_000;
let stack: Stack;
let dir: string;
let clientsFile: string;
let offset = 0;

beforeAll(async () => {
  stack = await startStack({
    name: 'rie-report',
    clock: () => Date.now() + offset,
    overrides: { 'pilot.staffIdNats': [STAFF], 'sessions.idleMinutes': 600, 'sessions.absoluteMinutes': 300 },
    clientOverrides: { 'test-rp': { min_acr: 'eidas2' }, 'jwt-userinfo-rp': { min_acr: 'eidas3' } },
  });
  dir = mkdtempSync(join(tmpdir(), 'hc-rie-'));
  clientsFile = join(dir, 'clients.json');
  writeFileSync(clientsFile, `${JSON.stringify(stack.registrations, null, 2)}\n`);
  // A session authenticated 301 minutes ago that the sweeper ends now: usable for 300 minutes.
  offset = -301 * MINUTE;
  await exchange(await signIn(stack, new TestBrowser(), { choice: { practitioner: '810101234561', means: 'card' } }));
  offset = 0;
  assert.equal(await stack.gateways[0]!.sweepSessions(), 1);
});
afterAll(async () => {
  await stack.close();
  rmSync(dir, { recursive: true, force: true });
});

function rieReportCli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: stack.prefix,
    KEYS_DIR: stack.keysDir,
    CLIENTS_FILE: clientsFile,
    NODE_ENV: 'test',
    USER: 'rssi',
    SESSION_IDLE_MINUTES: '600',
    SESSION_ABSOLUTE_MINUTES: '300',
    SANDBOX: 'false',
  };
  delete env.SUDO_USER;
  return new Promise((resolve) => {
    execFile(process.execPath, ['src/rie/cli.ts', ...args], { encoding: 'utf8', env }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

describe('npm run rie-report', () => {
  it('refuses a bad option with one line and the usage (exit 2)', async () => {
    const result = await rieReportCli('--days', '0');
    assert.equal(result.status, 2);
    assert.match(result.stderr.split('\n')[0]!, /^rie-report: --days: expected a whole number of days from 1 to 731, got "0"$/);
    assert.equal(result.stdout, '');
  });

  it('prints each requirement checked against the configuration and the trail; exit 1 when one is not met', async () => {
    const result = await rieReportCli();
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stdout, /\[non\] Inactivité de session ≤ 30 min — 600 min/);
    assert.match(result.stdout, /\[non\] Durée de session ≤ 4 h — 300 min/);
    assert.match(result.stdout, /\[non\] Sessions de plus de 4 h sur la période — 1 sur 1 /);
    assert.match(result.stdout, /\[non\] Chaque application exige .* : 1 \(third-party-rp\)/);
    assert.match(result.stdout, /\[oui\] Moyens renouvelés au moins tous les 3 ans — âge maximal d'une clé : 1095 jours/);
    assert.match(result.stdout, /Ce que l'établissement doit attester lui-même/);
    const json = await rieReportCli('--json', '--days', '7');
    const report = JSON.parse(json.stdout) as RieReport;
    assert.equal(report.range.days, 7);
    assert.equal(report.checks.find((c) => c.id === 'sessions-over-4h')?.params.count, 1);
    assert.equal(report.unmet, 4);
  });
});

describe('/pilot/rie', () => {
  it('is for the staff only', async () => {
    const browser = new TestBrowser();
    const anonymous = await browser.request(`${stack.issuer}/pilot/rie`);
    assert.equal(anonymous.status, 303);
    assert.equal(anonymous.headers.get('location'), '/account/login?return=%2Fpilot%2Frie');
    await exchange(await signIn(stack, browser, { choice: { practitioner: '810102345672', means: 'card' } }));
    const refused = await browser.request(`${stack.issuer}/pilot/rie`);
    assert.equal(refused.status, 403);
  });

  it('shows the same rows, printable, from the same figures as /pilot', async () => {
    const staff = new TestBrowser();
    await exchange(await signIn(stack, staff, { choice: { practitioner: STAFF, means: 'card' } }));
    const page = await staff.request(`${stack.issuer}/pilot/rie`);
    assert.equal(page.status, 200, page.body.slice(0, 300));
    const status = (id: string) => page.doc.querySelector(`[data-rie-check="${id}"]`)?.getAttribute('data-rie-status');
    assert.equal(status('sessions-over-4h'), 'no');
    assert.equal(status('client-minimum'), 'no');
    assert.equal(status('means-renewal'), 'yes');
    assert.equal(status('reauth-duration'), 'attest');
    assert.match(page.doc.querySelector('[data-rie-check="client-minimum"]')!.text, /third-party-rp/);
    assert.ok(page.doc.querySelector('[data-print]'), 'a print button');
    assert.ok(page.doc.querySelectorAll('[data-rie-attest] li').length >= 5);
    const pilot = (await staff.request(`${stack.issuer}/pilot/export.json`)).json as { sessions: { over4h: number } };
    assert.equal(pilot.sessions.over4h, 1, 'the same aggregate as /pilot');
  });
});
