import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { countsOf } from './counters.ts';
import { DAILY_FIELDS, dayFieldsOf, expandCounters } from './day-counters.ts';
import type { AuditEvent } from '../audit/types.ts';

const event = (type: string, details: Record<string, unknown>, extra: Partial<AuditEvent> = {}): AuditEvent =>
  ({
    type,
    outcome: 'success',
    actor: '810100000001',
    time: '2026-03-20T09:00:00Z',
    details,
    seq: 1,
    instance: 't',
    prev: '',
    mac: '',
    ...extra,
  }) as AuditEvent;

/** Adds the fields' counts into one hash, as HINCRBY does. */
function written(...events: Map<string, number>[]): Record<string, string> {
  const hash: Record<string, number> = {};
  for (const fields of events) for (const [field, by] of fields) hash[field] = (hash[field] ?? 0) + by;
  return Object.fromEntries(Object.entries(hash).map(([f, v]) => [f, String(v)]));
}

describe('day counters: fields by name and combined fields', () => {
  const signIn = event(
    'signin.succeeded',
    { method: 'webauthn-device', acr: 'eidas2', phishingResistant: true, durationMs: 900, finess: ['010000001'] },
    { clientId: 'dpi', profession: '10' },
  );
  const other = event('signin.succeeded', { method: 'psc-card', acr: 'eidas3' }, { clientId: 'dmp', profession: '10' });

  it('keeps the counters read by name, and makes the others of one event one field', () => {
    const fields = dayFieldsOf(countsOf(signIn).increments);
    const byName = [...fields.keys()].filter((f) => !f.startsWith('&'));
    assert.deepEqual(byName.sort(), ['signin', 'signin.group:hardware-key']);
    assert.ok(byName.every((f) => DAILY_FIELDS.includes(f)));
    assert.equal(fields.size, 3, [...fields.keys()].join(' '));
  });

  it('expanded, gives every counter the events added to, summed, as writing them by name did', () => {
    const events = [signIn, signIn, other, event('signin.failed', { method: 'webauthn' }, { outcome: 'failure', reason: 'webauthn-failed' })];
    const combined = written(...events.map((e) => dayFieldsOf(countsOf(e).increments)));
    const byName = written(...events.map((e) => countsOf(e).increments));
    assert.deepEqual(expandCounters(combined), byName);
    assert.equal(expandCounters(combined)!['signin.client:dpi'], '2');
    assert.equal(expandCounters(combined)!['signin.profession:10'], '3');
    assert.ok(Object.keys(combined).length < Object.keys(byName).length, 'fewer fields than counters');
  });

  it('reads a hash of counters by name (written before the combined fields) as it is, and a mixed one summed', () => {
    assert.deepEqual(expandCounters({ signin: '2', 'signin.acr:eidas2': '2' }), { signin: '2', 'signin.acr:eidas2': '2' });
    assert.deepEqual(expandCounters({ 'signin.acr:eidas2': '2', '&signin.acr:eidas2|signin.phr': '3' }), { 'signin.acr:eidas2': '5', 'signin.phr': '3' });
    assert.equal(expandCounters(null), null);
  });

  it('groups counters by increment: counters that go up by different amounts are not combined', () => {
    const fields = dayFieldsOf(
      new Map([
        ['a', 1],
        ['b', 1],
        ['c', 2],
      ]),
    );
    assert.deepEqual(Object.fromEntries(fields), { '&a|b': 1, c: 2 });
  });
});
