/**
 * Recording audit events from HTTP routes: the recorder plus the request's source (request
 * id, reduced client address, user-agent summary). Routes call `audit.record(event, req)`.
 * Also the per-practitioner activity index derived from the same events.
 */
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { AuditInput, AuditRecorder, AuditSource } from '../audit/types.ts';
import type { StoredAuditDetails } from '../audit/details.ts';
import type { ActivityEntry, ActivityLog } from '../accounts/index.ts';

export interface RequestAudit {
  record(input: AuditInput, req?: Request): Promise<void>;
}

/** A hashed interaction uid: groups the events of one sign-in attempt without revealing the uid. */
export function attemptId(uid: string): string {
  return createHash('sha256').update(`attempt:${uid}`).digest('hex').slice(0, 16);
}

/**
 * Records with the request's source; on the interaction routes (`/interaction/:uid/…`) the
 * event also carries `details.attempt`, so the events of one sign-in attempt can be grouped
 * (funnel, fall-back from a key to PSC) without storing the interaction id itself.
 */
export function requestAudit(recorder: AuditRecorder, sourceOf: (req: Request) => AuditSource): RequestAudit {
  return {
    record(input, req) {
      const uid = typeof req?.params?.uid === 'string' ? req.params.uid : undefined;
      // Every type's details may carry `attempt` (CommonAuditDetails): the spread keeps the input's type.
      const withAttempt =
        uid && input.details?.attempt === undefined ? ({ ...input, details: { ...input.details, attempt: attemptId(uid) } } as AuditInput) : input;
      return recorder.record(withAttempt, req ? sourceOf(req) : undefined);
    },
  };
}

/**
 * Events that are not the clinician's doing: an application exchanging a code, refreshing,
 * introspecting or revoking a token. Indexed, they would fill the short activity list (a
 * refresh every few minutes) and push the sign-ins out of /account — and cost a Redis write
 * on every back-channel call. They stay in the audit trail.
 */
export function isClinicianActivity(type: string): boolean {
  return !type.startsWith('token.');
}

/** What /account needs to say which staff action it was (portal/activity-label.ts): no criteria, no results. */
function staffAction(d: StoredAuditDetails): Pick<ActivityEntry, 'action' | 'format' | 'from' | 'to'> {
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return Object.fromEntries(
    Object.entries({ action: text(d.action), format: text(d.format), from: text(d.from), to: text(d.to) }).filter(([, v]) => v !== undefined),
  );
}

/**
 * A recorder that also keeps each practitioner's recent activity (accounts/activity.ts), so
 * that /account shows what the audit trail says about them without scanning it.
 */
export function withActivityIndex(recorder: AuditRecorder, activity: ActivityLog, clock: () => number = Date.now): AuditRecorder {
  return {
    async record(input, source) {
      await recorder.record(input, source);
      if (!input.actor || !isClinicianActivity(input.type)) return;
      const d: StoredAuditDetails = input.details ?? {};
      await activity
        .push(input.actor, {
          at: clock(),
          type: input.type,
          outcome: input.outcome,
          ...(input.clientId ? { clientId: input.clientId } : {}),
          ...(input.reason ? { reason: input.reason } : {}),
          ...(typeof d.method === 'string' ? { method: d.method } : {}),
          ...(typeof d.acr === 'string' ? { acr: d.acr } : {}),
          ...(typeof d.keyName === 'string' ? { keyName: d.keyName } : {}),
          ...(input.type === 'admin.action' ? staffAction(d) : {}),
        })
        .catch(() => {
          /* the index is a convenience; the trail is the record */
        });
    },
  };
}
