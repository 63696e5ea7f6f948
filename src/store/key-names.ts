/**
 * Redis key naming, the one place where key tags are written. Every key is
 * `<prefix>{<tag>}:<rest>`: the `{tag}` is a Redis Cluster hash tag, so keys that are written
 * together share a slot (an interaction and its ceremony state; a grant and the index of its
 * tokens; an account and its credential list). Tags that name one thing carry its id
 * (`i:<uid>`, `su:<uid>`, `c:<credential id>`…); the shared tags without an id are listed in
 * SHARED_TAGS. No module writes a tag of its own: it asks for a key here.
 */

/** Tags without an id: one slot each for a whole feature's keys. */
export const SHARED_TAGS = ['audit', 'pilot', 'mds', 'sessions', 'emergency'] as const;
export type SharedTag = (typeof SHARED_TAGS)[number];

export interface KeyNames {
  readonly prefix: string;
  /**
   * oidc-provider model record kept as a hash (Interaction and Grant share their tag with ceremony
   * state / token index). For a model saved whole, the key of its records before they were JSON text.
   */
  model(model: string, id: string): string;
  /** oidc-provider model record as JSON text (store/adapter-record.ts): model()'s key and `:json`, same slot. */
  modelJson(model: string, id: string): string;
  /** When a consumable record was consumed (store/adapter-record.ts): model()'s key and `:used`, same slot. */
  modelUsed(model: string, id: string): string;
  /**
   * The index of a grant's tokens: a hash whose fields are `<Model>:<id>` (same slot as the Grant
   * record). Short fields keep it a listpack in Redis, half the bytes of a set of whole keys.
   */
  grantTokenIndex(grantId: string): string;
  /** The set of a grant's token keys, as the releases before grantTokenIndex kept it (store/oidc-adapter.ts). */
  legacyGrantTokens(grantId: string): string;
  /**
   * A session's record, by its uid: a text of two parts, its assurance and the id of its
   * oidc-provider Session (store/session-record.ts), each written by its own module.
   */
  sessionRecord(uid: string): string;
  /** Session id for a session uid, as the releases before the fourteenth round kept it (store/session-record.ts). */
  sessionUid(uid: string): string;
  /** DeviceCode id for a user code (oidc-provider findByUserCode). */
  userCode(userCode: string): string;
  /** A value kept under an interaction (written only through interactions/journey-state.ts). */
  interaction(uid: string, name: string): string;
  /** PSC round-trip state, found by the `state` parameter PSC sends back. */
  pscState(state: string): string;
  /** Practitioner account, keyed by national identifier (idNat). */
  account(idNat: string): string;
  /** Something belonging to an account, in the account's slot (credential list, sign-ins, user handle). */
  accountPart(idNat: string, part: string): string;
  /** A WebAuthn credential, by its id (base64url). */
  credential(credentialId: string): string;
  /** idNat for a WebAuthn user handle (base64url). */
  userHandle(handle: string): string;
  /** Something belonging to a session, by the session's uid (its revocation mark). */
  sessionPart(uid: string, part: string): string;
  /** Something belonging to a WebAuthn credential, in the credential's slot (its tombstone, an expiry mark). */
  credentialPart(credentialId: string, part: string): string;
  /** Something belonging to a client (e.g. its disabled mark). */
  clientPart(clientId: string, part: string): string;
  /** The "seen once" mark of a client assertion's jti (replay detection). */
  jti(id: string): string;
  /** An emergency access code, by its digest (the code, its used mark). */
  emergencyCode(digest: string, part: string): string;
  /** Something belonging to a workstation (its quick re-authentication passes). */
  workstation(workstation: string, part: string): string;
  /** Ceremony state of an account portal session, by the session's uid. */
  portalSession(sessionUid: string, part: string): string;
  /** The portal's own PSC sign-in round trip, found by its `state`. */
  portalLogin(state: string): string;
  /** A key under one of the shared tags (audit, pilot, mds, sessions, emergency). */
  custom(tag: SharedTag, ...rest: string[]): string;
}

export function createKeyNames(prefix: string): KeyNames {
  if (/[{}]/.test(prefix)) throw new Error(`redis prefix must not contain braces, got "${prefix}"`);
  const key = (tag: string, ...rest: string[]) => `${prefix}{${tag}}${rest.length ? `:${rest.join(':')}` : ''}`;
  const tagFor = (model: string, id: string) => {
    if (model === 'Interaction') return `i:${id}`;
    if (model === 'Grant') return `g:${id}`;
    return `${model}:${id}`;
  };
  return {
    prefix,
    model: (model, id) => key(tagFor(model, id), model),
    modelJson: (model, id) => key(tagFor(model, id), model, 'json'),
    modelUsed: (model, id) => key(tagFor(model, id), model, 'used'),
    grantTokenIndex: (grantId) => key(`g:${grantId}`, 'token-index'),
    legacyGrantTokens: (grantId) => key(`g:${grantId}`, 'tokens'),
    sessionRecord: (uid) => key(`su:${uid}`, 'assurance'),
    sessionUid: (uid) => key(`su:${uid}`, 'SessionUid'),
    userCode: (userCode) => key(`uc:${userCode}`, 'UserCode'),
    interaction: (uid, name) => key(`i:${uid}`, name),
    pscState: (state) => key(`psc:${state}`, 'state'),
    account: (idNat) => key(`a:${idNat}`, 'account'),
    accountPart: (idNat, part) => key(`a:${idNat}`, part),
    credential: (credentialId) => key(`c:${credentialId}`, 'credential'),
    userHandle: (handle) => key(`uh:${handle}`, 'account'),
    sessionPart: (uid, part) => key(`su:${uid}`, part),
    credentialPart: (credentialId, part) => key(`c:${credentialId}`, part),
    clientPart: (clientId, part) => key(`cl:${clientId}`, part),
    jti: (id) => key(`jti:${id}`, 'once'),
    emergencyCode: (digest, part) => key(`emergency:${digest}`, part),
    workstation: (workstation, part) => key(`ws:${workstation}`, part),
    portalSession: (sessionUid, part) => key(`ps:${sessionUid}`, part),
    portalLogin: (state) => key(`pl:${state}`, 'portal-login'),
    custom: (tag, ...rest) => key(tag, ...rest),
  };
}
