/**
 * The names of the pilot's counters, the fields of a day's (and month's) hash: written from
 * the audit events (counters.ts, aggregates.ts for the fall-back) and read per range
 * (figures.ts). A name ending in ':' is a prefix, completed by a value part (counters.ts
 * `part`): a method, a reason, a client id, a profession code, a FINESS number…
 */
export const PILOT_COUNTERS = {
  signIn: 'signin',
  signInMethod: 'signin.method:',
  /** Method group (method-groups.ts). */
  signInGroup: 'signin.group:',
  signInAcr: 'signin.acr:',
  signInPhishingResistant: 'signin.phr',
  signInClient: 'signin.client:',
  signInProfession: 'signin.profession:',
  signInFiness: 'signin.finess:',
  failure: 'failure',
  failureReason: 'failure.reason:',
  /** webauthn, psc or other. */
  failureMethod: 'failure.method:',
  pscFailure: 'psc.failure:',
  /** A sign-in through PSC after a failed key in the same attempt (aggregates.ts). */
  fallbackKeyToPsc: 'fallback.key-to-psc',
  /** A clinician linked to PSC for the first time. */
  linked: 'linked',
  enrolOffered: 'enrol.offered',
  enrolStarted: 'enrol.started',
  enrolCompleted: 'enrol.completed',
  enrolSkipped: 'enrol.skipped',
  enrolRefused: 'enrol.refused',
  keysEnrolled: 'keys.enrolled',
  keysEnrolledFromAccount: 'keys.enrolled.account',
  keysRevoked: 'keys.revoked',
  keysRevokedBy: 'keys.revoked.by:',
  keysExpired: 'keys.expired',
  keysConfirmed: 'keys.confirmed',
  keyholdersGained: 'keyholders.gained',
  keyholdersLost: 'keyholders.lost',
  stepUpAsked: 'stepup.asked',
  stepUpMet: 'stepup.met',
  stepUpUnmet: 'stepup.unmet',
  /**
   * PSC sans couture: sign-ins PSC delegated to the gateway and the pairing funnel — first
   * delegation of a clinician (PSC shows its pairing screen), the clinician's first return
   * through delegation (the pairing held).
   */
  delegationRequested: 'delegation.requested',
  delegationSignIn: 'delegation.signin',
  delegationRefused: 'delegation.refused',
  delegationRefusedReason: 'delegation.refused.reason:',
  pairingFirst: 'pairing.first',
  pairingReturned: 'pairing.returned',
  sessionsEnded: 'sessions.ended',
  /** Sessions ended past the RIE's longest session (counters.ts SESSION_RIE_MAX_MINUTES). */
  sessionsOver4h: 'sessions.over4h',
  emergencyIssued: 'emergency.issued',
  emergencyUsed: 'emergency.used',
} as const;

const DURATION = /^duration\.(.+):(\d+)$/;

/** `duration.<method>:<bucket ms>`: sign-ins with that method that took up to the bucket (durations.ts). */
export function durationCounter(method: string, bucketMs: number): string {
  return `duration.${method}:${bucketMs}`;
}

/** The method and bucket of a duration counter; undefined for any other counter. */
export function parseDurationCounter(field: string): { method: string; bucketMs: number } | undefined {
  const match = DURATION.exec(field);
  return match ? { method: match[1]!, bucketMs: Number(match[2]) } : undefined;
}
