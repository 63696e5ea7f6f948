/**
 * Recording audit events from HTTP routes: the recorder plus the request's source (request
 * id, reduced client address, user-agent summary). Routes call `audit.record(event, req)`.
 * Also the per-practitioner activity index derived from the same events.
 */
import type { Request } from 'express';
import type { AuditInput, AuditRecorder, AuditSource } from '../audit/types.ts';
import type { ActivityLog } from '../accounts/index.ts';

export interface RequestAudit {
  record(input: AuditInput, req?: Request): Promise<void>;
}

export function requestAudit(recorder: AuditRecorder, sourceOf: (req: Request) => AuditSource): RequestAudit {
  return {
    record: (input, req) => recorder.record(input, req ? sourceOf(req) : undefined),
  };
}

/**
 * A recorder that also keeps each practitioner's recent activity (accounts/activity.ts), so
 * that /account shows what the audit trail says about them without scanning it.
 */
export function withActivityIndex(recorder: AuditRecorder, activity: ActivityLog, clock: () => number = Date.now): AuditRecorder {
  return {
    async record(input, source) {
      await recorder.record(input, source);
      if (!input.actor) return;
      const d = input.details ?? {};
      await activity.push(input.actor, {
        at: clock(), type: input.type, outcome: input.outcome,
        ...(input.clientId ? { clientId: input.clientId } : {}),
        ...(input.reason ? { reason: input.reason } : {}),
        ...(typeof d.method === 'string' ? { method: d.method } : {}),
        ...(typeof d.acr === 'string' ? { acr: d.acr } : {}),
        ...(typeof d.keyName === 'string' ? { keyName: d.keyName } : {}),
      }).catch(() => { /* the index is a convenience; the trail is the record */ });
    },
  };
}
