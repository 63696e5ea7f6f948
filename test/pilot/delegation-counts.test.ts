/** What the delegation audit events add to the pilot's figures (PSC sans couture). */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { AuditEvent, StoredAuditInput } from '../../src/audit/types.ts';
import { countsOf } from '../../src/pilot/counters.ts';

const at = (input: StoredAuditInput): AuditEvent => ({ ...input, seq: 1, time: '2026-11-20T10:00:00Z', instance: 'test', prev: '', mac: '' });
const increments = (input: StoredAuditInput) => Object.fromEntries(countsOf(at(input)).increments);

describe('pilot counters of delegated sign-ins', () => {
  it("counts PSC's requests, the sign-ins answered, the first ones (pairing) and the returns", () => {
    assert.deepEqual(increments({ type: 'delegation.started', outcome: 'info', clientId: 'psc-delegation' }), { 'delegation.requested': 1 });
    assert.deepEqual(increments({ type: 'delegation.succeeded', outcome: 'success', actor: 'A', clientId: 'psc-delegation', details: { pairing: 'first' } }), {
      'delegation.signin': 1,
      'pairing.first': 1,
    });
    assert.deepEqual(increments({ type: 'delegation.succeeded', outcome: 'success', actor: 'A', clientId: 'psc-delegation', details: { pairing: 'repeat' } }), {
      'delegation.signin': 1,
    });
    assert.deepEqual(increments({ type: 'delegation.paired', outcome: 'success', actor: 'A', clientId: 'psc-delegation' }), { 'pairing.returned': 1 });
  });

  it('counts refusals by reason', () => {
    assert.deepEqual(increments({ type: 'delegation.refused', outcome: 'failure', clientId: 'psc-delegation', reason: 'no-key' }), {
      'delegation.refused': 1,
      'delegation.refused.reason:no-key': 1,
    });
  });
});
