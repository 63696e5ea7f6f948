/**
 * The event catalogue as data: for every type of AUDIT_EVENT_TYPES, when it is recorded,
 * its possible outcomes and its event-specific details. docs/audit.md explains each one.
 */
import type { AuditDetailsByType } from './details.ts';
import type { AuditEventType, AuditOutcome } from './types.ts';

/** A member of the type's details (details.ts), alone or with a note: "token (hashed id)". */
type DetailName<T extends AuditEventType> = Extract<keyof AuditDetailsByType[T], string> | `${Extract<keyof AuditDetailsByType[T], string>} (${string})`;

export interface CatalogueEntry<T extends AuditEventType = AuditEventType> {
  /** What triggers the event, and where. */
  when: string;
  outcomes: readonly AuditOutcome[];
  /** Members of `details` (beyond the envelope's actor, profession, clientId, reason). */
  details: readonly DetailName<T>[];
}

export const AUDIT_CATALOGUE: { readonly [T in AuditEventType]: CatalogueEntry<T> } = {
  'signin.started': {
    when: 'the login page of an interaction is first shown',
    outcomes: ['info'],
    details: ['reasons', 'level', 'phishingResistant', 'hardwareProtected'],
  },
  'signin.succeeded': {
    when: 'an interaction finishes with a login (PSC, key or both)',
    outcomes: ['success'],
    details: ['method', 'acr', 'amr', 'phishingResistant', 'keyName', 'durationMs', 'finess', 'establishments'],
  },
  'signin.failed': {
    when: 'an interaction ends without a login: PSC failure, refused key ceremony, unmet level, cancel',
    outcomes: ['failure'],
    details: ['method', 'ceremony', 'why'],
  },
  'psc.verified': {
    when: 'the PSC callback checked the ID token and userinfo',
    outcomes: ['success'],
    details: ['authMode', 'upstreamAcr', 'method', 'acr', 'created'],
  },
  'psc.failed': { when: 'the PSC callback refused the round trip (state, binding, token, claims, PSC error)', outcomes: ['failure'], details: [] },
  'delegation.started': {
    when: 'Pro Santé Connect delegates a sign-in to the gateway (its client has psc_delegation): the sign-in page is first shown',
    outcomes: ['info'],
    details: [],
  },
  'delegation.succeeded': {
    when: 'a delegated sign-in is answered: the clinician\'s key was accepted for delegation and PSC gets the code; pairing "first" when this clinician was never sent to PSC before (PSC then shows its pairing screen), else "repeat" (its confirmation screen, or pairing again after it expired)',
    outcomes: ['success'],
    details: ['method', 'acr', 'amr', 'pairing'],
  },
  'delegation.refused': {
    when: "a delegated sign-in ends without an answer to PSC's liking: a means the policy does not accept for delegation, a clinician without a key (told how to enrol one), or a cancel",
    outcomes: ['failure'],
    details: ['method', 'acr', 'phishingResistant'],
  },
  'delegation.paired': {
    when: "a clinician comes back through delegation after their first one: PSC kept the pairing made then (the gateway cannot see PSC's pairing screen; this is its evidence)",
    outcomes: ['success'],
    details: [],
  },
  'key.offered': {
    when: 'after a PSC sign-in, the gateway offers to enrol a security key or passkey (or requires it)',
    outcomes: ['info'],
    details: ['required'],
  },
  'key.enrolment_started': { when: 'the clinician starts registering the key offered after PSC (once per interaction)', outcomes: ['info'], details: ['via'] },
  'key.skipped': { when: 'the clinician declines the enrolment offer and goes on to the application', outcomes: ['info'], details: [] },
  'key.enrolled': {
    when: 'a security key or passkey is registered (after PSC or in /account), or the registration is refused',
    outcomes: ['success', 'failure'],
    details: ['via', 'kind', 'keyName', 'aaguid', 'attestationFormat', 'model', 'keys', 'boundBy', 'boundAt'],
  },
  'key.raised': {
    when: "a key's binding is raised: by the clinician in /account (a fresh sign-in at a higher level, then that key), or in person by an administrator (admin CLI confirm-key); or the attempt is refused",
    outcomes: ['success', 'failure'],
    details: ['by', 'kind', 'from', 'to', 'method', 'phishingResistant', 'operator'],
  },
  'key.renamed': { when: 'a clinician renames one of their keys in /account', outcomes: ['success'], details: ['kind', 'keyName'] },
  'key.revoked': {
    when: 'a key is revoked by its owner in /account or by the admin CLI',
    outcomes: ['success'],
    details: ['by', 'keysLeft', 'count', 'kind', 'keyName'],
  },
  'key.counter_anomaly': {
    when: 'an assertion carries a signature counter not above the stored one (possible clone); the key is blocked',
    outcomes: ['failure'],
    details: ['keyName', 'kind'],
  },
  'key.model_compromised': {
    when: 'a key of a model the FIDO Metadata Service reports revoked or compromised is refused: at enrolment, or at its first use after the report was imported',
    outcomes: ['failure'],
    details: ['status', 'aaguid', 'model', 'ceremony', 'keyName'],
  },
  'key.confirmed': {
    when: 'a key past (or near) its maximum age is confirmed again: a PSC sign-in, then that key, in the same interaction',
    outcomes: ['success'],
    details: ['kind', 'keyName', 'via', 'method'],
  },
  'key.expired': {
    when: 'a key reaches its maximum age without confirmation (noticed once per key and age, at its next use, at a PSC sign-in or in /account); it no longer signs in alone',
    outcomes: ['info'],
    details: ['kind', 'keyName', 'dueAt'],
  },
  'notices.acknowledged': {
    when: 'at sign-in, the clinician acknowledges the notices of changes to their means shown to them',
    outcomes: ['info'],
    details: ['count', 'upTo'],
  },
  'contact.code_sent': {
    when: 'a clinician asks in /account for a verification code to a new e-mail address: sent, or refused (rate limit, SMTP failure)',
    outcomes: ['info', 'failure'],
    details: ['domain'],
  },
  'contact.verified': {
    when: 'a clinician enters the verification code: the address is kept for notices, or the code is refused (wrong, expired, already used)',
    outcomes: ['success', 'failure'],
    details: ['domain'],
  },
  'key.uv_missing': { when: 'a ceremony that requires user verification got an assertion without it', outcomes: ['failure'], details: ['ceremony'] },
  'stepup.asked': {
    when: 'a client asks for more than the session has (acr_values, essential acr, client minimum)',
    outcomes: ['info'],
    details: ['level', 'phishingResistant', 'hardwareProtected'],
  },
  'stepup.met': { when: 'a step-up interaction finishes at the level asked', outcomes: ['success'], details: ['method', 'acr'] },
  'stepup.unmet': {
    when: 'no means reaches the level asked, or the means used falls short',
    outcomes: ['failure'],
    details: ['level', 'phishingResistant', 'hardwareProtected'],
  },
  'authorization.pushed': {
    when: 'a relying party pushes an authorization request (RFC 9126, /request): stored, or refused after the client authenticated',
    outcomes: ['success', 'failure'],
    details: ['request (hashed request_uri id)', 'expiresIn', 'dpop'],
  },
  'token.issued': {
    when: 'the token endpoint issues tokens: authorization_code (a clinician), client_credentials (a machine client: no actor, no grant); recorded once the answer that hands them out stands (tokens saved, code spent)',
    outcomes: ['success'],
    details: ['grantType', 'accessToken (hashed id)', 'grant (hashed id; not for client_credentials)'],
  },
  'token.refreshed': {
    when: 'the token endpoint answers a refresh_token grant (recorded once the answer stands: tokens saved, the old one spent)',
    outcomes: ['success'],
    details: ['grantType', 'accessToken (hashed id)', 'grant (hashed id)'],
  },
  'token.replayed': {
    when: 'a code or refresh token is presented again at the token endpoint: refused, and its grant revoked with every token issued from it (a stolen token replayed, or the client itself; reason code-reused or refresh-token-reused); or presented by two requests at once: the later refused 503, the grant not revoked (reason code-presented-at-once or refresh-token-presented-at-once)',
    outcomes: ['failure'],
    details: ['grantType', 'grant (hashed id)'],
  },
  'token.revoked': { when: 'a client calls the revocation endpoint', outcomes: ['success', 'failure'], details: ['token (hashed id)'] },
  'token.introspected': {
    when: "a client calls the introspection endpoint and the token is not active for it (expired, revoked, unknown, another client's), or the call is refused; an active token's introspection is routine (a resource server may introspect on every call) and not recorded",
    outcomes: ['success', 'failure'],
    details: ['token (hashed id)', 'active'],
  },
  'logout.front': { when: 'RP-initiated logout (end_session) succeeds', outcomes: ['success'], details: [] },
  'logout.backchannel': {
    when: 'a back-channel logout token is delivered to a client (logout or session expiry)',
    outcomes: ['success', 'failure'],
    details: [],
  },
  'session.expired': {
    when: 'the session sweeper ends a session past its idle or absolute lifetime, one an administrator revoked, or one whose record it cannot read',
    outcomes: ['info'],
    details: ['profile', 'clients', 'lastedMinutes'],
  },
  'session.changed': {
    when: 'a session is used from another browser or client address than the one it was opened in (sessions.browserChange, sessions.addressChange); an address change between declared networks is none',
    outcomes: ['info', 'failure'],
    details: ['change', 'action', 'fromNetwork', 'toNetwork'],
  },
  'emergency.issued': {
    when: 'an administrator issues an emergency access code to a clinician (admin CLI emergency-code, /admin/emergency); the code itself is never recorded',
    outcomes: ['success', 'failure'],
    details: ['target', 'via', 'operator', 'expiresAt', 'validityHours'],
  },
  'emergency.used': {
    when: 'a clinician signs in with an emergency access code (the session is at the lowest level, amr otp)',
    outcomes: ['success'],
    details: ['issuedBy', 'via', 'issuedAt', 'method', 'acr'],
  },
  'emergency.refused': {
    when: "an emergency access code is refused: unknown, already used, expired, typed with another clinician's identifier, or for an application that needs more than the lowest level",
    outcomes: ['failure'],
    details: ['claimed', 'issuedFor'],
  },
  'ratelimit.hit': {
    when: 'a client address, declared establishment network or account exceeds a rate limit',
    outcomes: ['failure'],
    details: ['limit', 'route', 'network'],
  },
  'admin.action': {
    when: 'an administrator acts: admin CLI (show, keys, sessions, clients), /admin audit search, pilot export',
    outcomes: ['info', 'success', 'failure'],
    details: ['action', 'target', 'operator', 'count', 'sessions', 'grants', 'reason', 'results'],
  },
  'config.loaded': { when: 'a gateway instance starts with a valid configuration', outcomes: ['info'], details: ['env', 'issuer', 'store', 'clients'] },
  'keys.loaded': { when: 'a gateway instance loads (or creates) its signing keys', outcomes: ['info'], details: ['signingKeys', 'created'] },
};
