/**
 * The `details` of each audit event type: what its callers record beyond the envelope (actor,
 * profession, clientId, reason), so that recording an event with details it does not have, or
 * without those it always has, fails the typecheck. The catalogue (catalogue.ts) names them
 * for the documentation. A member is required when every event of the type has it (its value
 * may still be undefined or null where it is not known: it is then left out of the stored JSON,
 * or stored as null).
 */
import type { Level } from '../assurance/levels.ts';

/** A value of `details`, as canonical JSON stores it. */
export type AuditDetailValue = string | number | boolean | string[] | null | undefined;

/** Details as stored and read back: events from other versions, the recorder's `redacted`. */
export type StoredAuditDetails = Record<string, AuditDetailValue>;

/** The key ceremonies a refused key is recorded in (interactions/key-audit.ts). */
type Ceremony = 'sign-in' | 'second-factor' | 'enrolment' | 'raise' | 'quick';

/** An event whose envelope says it all. */
type NoDetails = Record<never, never>;

/** What a relying party asks for (assurance requirement). */
type Wanted = { level: Level; phishingResistant: boolean; hardwareProtected?: boolean };

/** How a clinician signed in: the method and the level it gave. */
type SignedIn = { method: string; acr: Level };

/** A key, as events name it (never its credential id). */
type KeyNamed = { kind: string | undefined; keyName: string | undefined };

/**
 * A staff member's action (admin CLI, /admin pages, pilot export): `action` says which, and
 * its other members are the action's own.
 */
type AdminAction = {
  action: string;
  operator?: string;
  target?: string;
  count?: number;
  sessions?: number;
  grants?: number;
  reason?: string | null;
  results?: number;
  format?: string;
  from?: string;
  to?: string;
  kind?: string;
  found?: boolean;
  alreadyDisabled?: boolean;
  disabledAt?: string;
  upto?: string | null;
  no?: number;
  nextUpdate?: string;
  unchanged?: boolean;
  previous?: number | null;
  root?: string;
  refusal?: string;
  /** Audit search criteria (admin/web/audit-page.ts, audit-export.ts). */
  [criterion: string]: AuditDetailValue;
};

export type AuditDetailsByType = {
  'signin.started': { reasons: string[] } & Wanted;
  'signin.succeeded': SignedIn & {
    amr: string[];
    phishingResistant: boolean;
    keyName?: string | undefined;
    durationMs: number | undefined;
    finess?: string[];
    establishments?: string[];
  };
  'signin.failed': { method?: 'webauthn'; ceremony?: Ceremony; why?: string };
  'psc.verified': SignedIn & { authMode: string | null | undefined; upstreamAcr?: string | null | undefined; created: boolean };
  'psc.failed': NoDetails;
  'delegation.started': NoDetails;
  'delegation.succeeded': SignedIn & { amr: string[]; pairing: 'first' | 'repeat' };
  'delegation.refused': { method?: string; acr?: Level; phishingResistant?: boolean };
  'delegation.paired': NoDetails;
  'key.offered': { required: boolean };
  'key.enrolment_started': { via: 'after-psc' | 'account' };
  'key.skipped': NoDetails;
  'key.enrolled': {
    via?: 'after-psc' | 'account';
    kind?: string;
    keyName?: string;
    aaguid?: string;
    attestationFormat?: string;
    model?: string;
    keys?: number;
    boundBy?: string;
    boundAt?: Level;
  };
  'key.renamed': KeyNamed;
  'key.raised': { by?: 'sign-in' | 'in-person'; kind?: string; from?: Level; to?: Level; method?: string; phishingResistant?: boolean; operator?: string };
  'key.revoked': { by: 'owner' | 'admin'; keysLeft: number; count?: number; kind?: string; keyName?: string; operator?: string };
  'key.counter_anomaly': KeyNamed;
  'key.uv_missing': { ceremony: Ceremony };
  'key.model_compromised': { status: string; aaguid: string; model: string | undefined; ceremony: Ceremony; keyName: string | undefined };
  'key.confirmed': KeyNamed & { via: string; method: string };
  'key.expired': KeyNamed & { dueAt: string };
  'notices.acknowledged': { count: number; upTo: number };
  'contact.code_sent': { domain: string };
  /** No domain when no address was waiting for its code. */
  'contact.verified': { domain?: string };
  'stepup.asked': Wanted;
  'stepup.met': SignedIn;
  'stepup.unmet': Wanted & Partial<SignedIn>;
  'authorization.pushed': { request?: string | undefined; expiresIn?: number | undefined; dpop?: boolean };
  'token.issued': { grantType: string; accessToken: string | undefined; grant: string | undefined };
  'token.refreshed': { grantType: string; accessToken: string | undefined; grant: string | undefined };
  'token.replayed': { grantType: string; grant: string | undefined };
  'token.revoked': { token: string | undefined };
  'token.introspected': { token: string | undefined; active?: boolean };
  'logout.front': NoDetails;
  'logout.backchannel': NoDetails;
  'session.expired': { profile: string | null; clients: string[]; lastedMinutes: number | null };
  'session.changed': { change: string; action: string; fromNetwork: string | undefined; toNetwork: string | undefined };
  'emergency.issued': { target: string; via: string; operator: string; validityHours: number | null; expiresAt?: string };
  'emergency.used': SignedIn & { issuedBy: string; via: string; issuedAt: string };
  'emergency.refused': { claimed: string | undefined; issuedFor?: string | undefined };
  'ratelimit.hit': { limit: string; route: string; network?: string };
  'admin.action': AdminAction;
  'config.loaded': { env: string; issuer: string; store: string; clients: string[] };
  'keys.loaded': { signingKeys: string[]; created: number };
};

/** Members any event may have: its sign-in attempt (http/audit.ts adds it on the interaction routes), the seed's mark. */
export type CommonAuditDetails = {
  attempt?: string;
  /** Synthetic pilot data (pilot/seed.ts), never a real sign-in. */
  seeded?: true;
};
