import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { loadConfig } from '../config/index.ts';
import { countsOf } from '../pilot/counters.ts';
import type { PilotFigures } from '../pilot/index.ts';
import type { ClientMetadata } from '../oidc/index.ts';
import { createViews } from '../http/views.ts';
import { rieReport } from './report.ts';
import { rieText } from './render.ts';

const figures = (over: { over4h?: number; below?: number } = {}) =>
  ({
    range: { from: '2026-11-05', to: '2026-12-04', days: 30, timeZone: 'Europe/Paris' },
    signIns: { total: 10, atLeastEidas2: { count: 10 - (over.below ?? 0), share: 1 } },
    keys: { revoked: 2, expired: 1, confirmed: 1 },
    sessions: { ended: 7, over4h: over.over4h ?? 0 },
    emergency: { issued: 1, used: 1 },
  }) as unknown as PilotFigures;

const clients = [{ client_id: 'dpi', min_acr: 'eidas2' }, { client_id: 'labo', min_acr: 'eidas1' }, { client_id: 'agenda' }] as unknown as ClientMetadata[];

const config = (overrides: Record<string, unknown> = {}) => loadConfig({ env: {}, overrides: { env: 'test', 'sandbox.enabled': false, ...overrides } });
const byId = (report: ReturnType<typeof rieReport>) => Object.fromEntries(report.checks.map((c) => [c.id, c]));

describe('RIE conformity report', () => {
  it('checks the defaults: idle 30 min, sessions 4 h, keys 3 years, notices on; names the applications without a minimum level', () => {
    const report = rieReport({ config: config(), clients, figures: figures(), now: Date.UTC(2026, 11, 4) });
    const checks = byId(report);
    assert.deepEqual([checks['idle-limit']!.status, checks['idle-limit']!.params.idle], ['yes', 30]);
    assert.deepEqual([checks['session-limit']!.status, checks['session-limit']!.params.absolute], ['yes', 240]);
    assert.deepEqual([checks['sessions-over-4h']!.status, checks['sessions-over-4h']!.params.count], ['yes', 0]);
    assert.deepEqual([checks['means-renewal']!.status, checks['means-renewal']!.params.days], ['yes', 1095]);
    assert.equal(checks['holder-notified']!.status, 'yes');
    assert.deepEqual([checks['change-policy']!.status, checks['change-policy']!.params.browser], ['yes', 'reauthenticate']);
    assert.deepEqual([checks['quick-reauth']!.status, checks['quick-reauth']!.params.minutes], ['yes', 0]);
    assert.deepEqual([checks['emergency-access']!.status, checks['emergency-access']!.params.hours, checks['emergency-access']!.params.used], ['yes', 24, 1]);
    assert.deepEqual(
      [checks['client-minimum']!.status, checks['client-minimum']!.params.count, checks['client-minimum']!.params.names],
      ['no', 2, 'labo, agenda'],
    );
    assert.equal(checks['reauth-duration']!.status, 'attest');
    assert.equal(report.unmet, 1);
    assert.ok(report.attest.includes('enrolment-identity'));
  });

  it('says no where the configuration or the figures break a requirement', () => {
    const report = rieReport({
      config: config({
        'sessions.idleMinutes': 45,
        'sessions.absoluteMinutes': 300,
        'means.maxKeyAgeDays': 1500,
        'means.noticesAtSignIn': false,
        'sandbox.enabled': true,
        'sessions.browserChange': 'ignore',
      }),
      clients: [clients[0]!],
      figures: figures({ over4h: 2, below: 1 }),
      now: Date.UTC(2026, 11, 4),
    });
    const checks = byId(report);
    for (const id of [
      'idle-limit',
      'session-limit',
      'sessions-over-4h',
      'means-renewal',
      'holder-notified',
      'psc-accepted',
      'sign-ins-two-factors',
      'change-policy',
    ])
      assert.equal(checks[id]!.status, 'no', id);
    assert.equal(checks['client-minimum']!.status, 'yes');
    assert.equal(report.unmet, 8);
  });

  it('reads in French, one line per requirement, with what to attest', () => {
    const text = rieText(rieReport({ config: config(), clients, figures: figures(), now: Date.UTC(2026, 11, 4) }), createViews().t('fr'));
    assert.match(text, /\[oui\] Inactivité de session ≤ 30 min — 30 min ; postes partagés : 10 min/);
    assert.match(text, /\[oui\] Sessions de plus de 4 h sur la période — 0 sur 7/);
    assert.match(text, /\[non\] Chaque application exige au moins deux facteurs .* — applications sans niveau minimal suffisant : 2 \(labo, agenda\)/);
    assert.match(text, /Titulaire averti .* par e-mail : non/);
    assert.match(text, /\[oui\] Politique quand le navigateur ou l'adresse d'une session change — navigateur : nouvelle connexion ; adresse : tracé/);
    assert.match(text, /Ce que l'établissement doit attester lui-même/);
  });

  it('counts the sessions that were usable more than 4 h, from the same events as /pilot', () => {
    const event = (lastedMinutes: number) =>
      ({
        type: 'session.expired',
        outcome: 'info',
        seq: 1,
        time: '2026-12-04T10:00:00.000Z',
        instance: 'i',
        prev: '',
        mac: '',
        details: { lastedMinutes },
      }) as never;
    assert.equal(countsOf(event(240)).increments.get('sessions.over4h'), undefined);
    assert.equal(countsOf(event(241)).increments.get('sessions.over4h'), 1);
    assert.equal(countsOf(event(30)).increments.get('sessions.ended'), 1);
  });
});
