/**
 * Redis key naming. Every key is `<prefix>{<tag>}:<rest>`: the `{tag}` is a Redis Cluster
 * hash tag, so keys that are written together share a slot (an interaction and its
 * ceremony state; a grant and the index of its tokens; an account and its credential list).
 */
export interface Keys {
  readonly prefix: string;
  /** oidc-provider model record (Interaction and Grant share their tag with ceremony state / token index). */
  model(model: string, id: string): string;
  /** Set of token keys belonging to a grant (same slot as the Grant record). */
  grantTokens(grantId: string): string;
  /** Session id for a session uid (oidc-provider findByUid). */
  sessionUid(uid: string): string;
  /** DeviceCode id for a user code (oidc-provider findByUserCode). */
  userCode(userCode: string): string;
  /** Ceremony state bound to an interaction (e.g. 'psc-result', 'webauthn'). */
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
  /** Any other key under the prefix, with its own tag. */
  custom(tag: string, ...rest: string[]): string;
}

export function createKeys(prefix: string): Keys {
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
    grantTokens: (grantId) => key(`g:${grantId}`, 'tokens'),
    sessionUid: (uid) => key(`su:${uid}`, 'SessionUid'),
    userCode: (userCode) => key(`uc:${userCode}`, 'UserCode'),
    interaction: (uid, name) => key(`i:${uid}`, name),
    pscState: (state) => key(`psc:${state}`, 'state'),
    account: (idNat) => key(`a:${idNat}`, 'account'),
    accountPart: (idNat, part) => key(`a:${idNat}`, part),
    credential: (credentialId) => key(`c:${credentialId}`, 'credential'),
    userHandle: (handle) => key(`uh:${handle}`, 'account'),
    custom: (tag, ...rest) => key(tag, ...rest),
  };
}
