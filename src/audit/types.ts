/**
 * The audit trail's vocabulary: every event type the gateway records (the catalogue, with
 * what each means, is in catalogue.ts and docs/audit.md) and the envelope every event has.
 * Identity is the idNat plus the profession code; never a token, code, secret, assertion
 * or full PSC profile.
 */

import type { AuditDetailsByType, CommonAuditDetails, StoredAuditDetails } from './details.ts';

export type AuditOutcome = 'success' | 'failure' | 'info';

export const AUDIT_EVENT_TYPES = [
  'signin.started',
  'signin.succeeded',
  'signin.failed',
  'psc.verified',
  'psc.failed',
  'delegation.started',
  'delegation.succeeded',
  'delegation.refused',
  'delegation.paired',
  'key.offered',
  'key.enrolment_started',
  'key.skipped',
  'key.enrolled',
  'key.renamed',
  'key.raised',
  'key.revoked',
  'key.counter_anomaly',
  'key.uv_missing',
  'key.model_compromised',
  'key.confirmed',
  'key.expired',
  'notices.acknowledged',
  'contact.code_sent',
  'contact.verified',
  'stepup.asked',
  'stepup.met',
  'stepup.unmet',
  'authorization.pushed',
  'token.issued',
  'token.refreshed',
  'token.replayed',
  'token.revoked',
  'token.introspected',
  'logout.front',
  'logout.backchannel',
  'session.expired',
  'session.changed',
  'emergency.issued',
  'emergency.used',
  'emergency.refused',
  'ratelimit.hit',
  'admin.action',
  'config.loaded',
  'keys.loaded',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** The fields every event has besides its type and details. */
export interface AuditEnvelope {
  outcome: AuditOutcome;
  /** idNat of the practitioner concerned, when known. */
  actor?: string | undefined;
  /** TRE_G15 profession code(s) of the actor, e.g. "10". */
  profession?: string | undefined;
  clientId?: string | undefined;
  /** Short machine reason of a failure (e.g. "invalid-state", "user-verification-missing"). */
  reason?: string | undefined;
}

/** The details an event of type T is recorded with (details.ts; no secrets). */
export type AuditDetailsOf<T extends AuditEventType> = AuditDetailsByType[T] & CommonAuditDetails;

/** `details` may be left out only when the type has no member always present. */
type DetailsMember<D> = Record<never, never> extends D ? { details?: D } : { details: D };

/** What a caller gives to record() for an event of type T. */
export type AuditInputOf<T extends AuditEventType> = AuditEnvelope & { type: T } & DetailsMember<AuditDetailsOf<T>>;

/** What a caller gives to record(): the type, outcome and the event's own fields, details as its type has them. */
export type AuditInput = { [T in AuditEventType]: AuditInputOf<T> }[AuditEventType];

/** Where the event came from (filled from the HTTP request when there is one). */
export interface AuditSource {
  requestId?: string | undefined;
  /** Client address, already reduced per the `audit.ip` policy. */
  ip?: string | undefined;
  /** "Chrome 142 / Windows", never the raw header. */
  userAgent?: string | undefined;
}

/** An event's own fields as the trail holds them: details as read back, of whatever type or version. */
export interface StoredAuditInput extends AuditEnvelope {
  type: AuditEventType;
  details?: StoredAuditDetails;
}

/** An event as stored: envelope + input + chain fields. */
export interface AuditEvent extends StoredAuditInput, AuditSource {
  /** Position in the chain (1, 2, 3, …). */
  seq: number;
  /** ISO 8601 time of recording. */
  time: string;
  /** Gateway instance that wrote it. */
  instance: string;
  /** MAC of the previous event ("" for the first). */
  prev: string;
  /** HMAC-SHA256 (base64url) over prev and this event's canonical JSON without `mac`. */
  mac: string;
}

export interface AuditRecorder {
  /** Appends an event to the chain (and mirrors it to the audit log stream). Never throws. */
  record(input: AuditInput, source?: AuditSource): Promise<void>;
}
