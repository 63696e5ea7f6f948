import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { withActivityIndex } from './audit.ts';
import type { AuditInput, AuditRecorder } from '../audit/types.ts';
import type { ActivityEntry, ActivityLog } from '../accounts/index.ts';

function indexed() {
  const recorded: string[] = [];
  const pushed: Array<[string, ActivityEntry]> = [];
  const recorder = {
    record: async (input: AuditInput) => {
      recorded.push(input.type);
    },
  } as unknown as AuditRecorder;
  const activity: ActivityLog = {
    push: async (idNat, entry) => {
      pushed.push([idNat, entry]);
    },
    recent: async () => [],
  };
  return { recorded, pushed, recorder: withActivityIndex(recorder, activity, () => 1000) };
}

describe('activity index (withActivityIndex)', () => {
  it("indexes the clinician's own events: sign-ins, keys, logouts", async () => {
    const { recorded, pushed, recorder } = indexed();
    await recorder.record({
      type: 'signin.succeeded',
      outcome: 'success',
      actor: '899700427885',
      clientId: 'dpi',
      details: { method: 'webauthn', acr: 'eidas2', amr: ['hwk', 'user'], phishingResistant: true, durationMs: 3000 },
    });
    await recorder.record({ type: 'key.enrolled', outcome: 'success', actor: '899700427885' });
    assert.deepEqual(recorded, ['signin.succeeded', 'key.enrolled']);
    assert.deepEqual(
      pushed.map(([id, e]) => [id, e.type]),
      [
        ['899700427885', 'signin.succeeded'],
        ['899700427885', 'key.enrolled'],
      ],
    );
    assert.deepEqual(pushed[0]![1], { at: 1000, type: 'signin.succeeded', outcome: 'success', clientId: 'dpi', method: 'webauthn', acr: 'eidas2' });
  });

  it("keeps applications' token calls in the trail only: they would push the sign-ins out of /account", async () => {
    const { recorded, pushed, recorder } = indexed();
    const tokens = { grantType: 'authorization_code', accessToken: 'a1b2', grant: 'c3d4' };
    const calls: AuditInput[] = [
      { type: 'token.issued', outcome: 'success', actor: '899700427885', clientId: 'dpi', details: tokens },
      { type: 'token.refreshed', outcome: 'success', actor: '899700427885', clientId: 'dpi', details: { ...tokens, grantType: 'refresh_token' } },
      { type: 'token.introspected', outcome: 'success', actor: '899700427885', clientId: 'dpi', details: { token: 'a1b2', active: false } },
      { type: 'token.revoked', outcome: 'success', actor: '899700427885', clientId: 'dpi', details: { token: 'a1b2' } },
    ];
    for (const call of calls) await recorder.record(call);
    assert.equal(recorded.length, 4, 'every event is in the audit trail');
    assert.deepEqual(pushed, [], 'none in the activity list');
  });

  it('keeps which staff action a person did in their own name, not its criteria or results', async () => {
    const { pushed, recorder } = indexed();
    await recorder.record({
      type: 'admin.action',
      outcome: 'info',
      actor: '899700427885',
      details: { action: 'pilot.export', format: 'csv', from: '2026-11-04', to: '2026-12-03' },
    });
    await recorder.record({
      type: 'admin.action',
      outcome: 'info',
      actor: '899700427885',
      details: { action: 'audit.search', idNat: '810103456783', type: 'key.enrolled', results: 3 },
    });
    await recorder.record({ type: 'key.raised', outcome: 'success', actor: '899700427885', details: { from: 'eidas2', to: 'eidas3' } });
    assert.deepEqual(
      pushed.map(([, e]) => e),
      [
        { at: 1000, type: 'admin.action', outcome: 'info', action: 'pilot.export', format: 'csv', from: '2026-11-04', to: '2026-12-03' },
        { at: 1000, type: 'admin.action', outcome: 'info', action: 'audit.search' },
        { at: 1000, type: 'key.raised', outcome: 'success' },
      ],
    );
  });
});
