/**
 * Issuing an emergency access code, the same way from the admin CLI and from /admin/emergency:
 * only for a clinician the gateway knows (PSC vouched for them once), valid for at most the
 * configured hours; recorded in the audit trail (`emergency.issued`, the code never) and as a
 * warning log line, since every emergency access is an exception someone must look at.
 */
import type { AuditInput } from '../audit/types.ts';
import type { EmergencyCodes, EmergencyGrant } from './codes.ts';

export interface IssueDeps {
  codes: EmergencyCodes;
  /** Whether the gateway has an account for this idNat. */
  accountExists(idNat: string): Promise<boolean>;
  audit(event: AuditInput): Promise<void>;
  warn(fields: Record<string, unknown>, message: string): void;
  /** emergency.validityHours: the most (and the default) a code may be valid. */
  maxHours: number;
}

export interface IssueInput {
  idNat: string;
  /** Hours the code stays valid if unused; default and ceiling: maxHours. */
  hours?: number | undefined;
  issuedBy: string;
  via: EmergencyGrant['via'];
  now: number;
}

export type IssueResult = { ok: true; code: string; grant: EmergencyGrant } | { ok: false; reason: 'unknown-clinician' | 'validity-too-long' };

export async function issueEmergencyCode(deps: IssueDeps, input: IssueInput): Promise<IssueResult> {
  const hours = input.hours ?? deps.maxHours;
  const refused =
    !Number.isInteger(hours) || hours < 1 || hours > deps.maxHours
      ? ('validity-too-long' as const)
      : !(await deps.accountExists(input.idNat))
        ? ('unknown-clinician' as const)
        : undefined;
  const common = { target: input.idNat, via: input.via, operator: input.issuedBy };
  if (refused) {
    await deps.audit({
      type: 'emergency.issued',
      outcome: 'failure',
      actor: input.idNat,
      reason: refused,
      details: { ...common, validityHours: Number.isFinite(hours) ? hours : null },
    });
    return { ok: false, reason: refused };
  }
  const { code, grant } = await deps.codes.issue({
    idNat: input.idNat,
    issuedBy: input.issuedBy,
    via: input.via,
    validityMs: hours * 3_600_000,
    now: input.now,
  });
  await deps.audit({
    type: 'emergency.issued',
    outcome: 'success',
    actor: input.idNat,
    details: { ...common, validityHours: hours, expiresAt: new Date(grant.expiresAt).toISOString() },
  });
  deps.warn(
    { event: 'emergency.issued', idNat: input.idNat, issuedBy: input.issuedBy, via: input.via, expiresAt: new Date(grant.expiresAt).toISOString() },
    'emergency access code issued',
  );
  return { ok: true, code, grant };
}
