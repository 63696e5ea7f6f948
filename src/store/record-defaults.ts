/**
 * What a record's stored text leaves out because oidc-provider 9 reads the record the same
 * without it (store/adapter-record.ts encodes through here):
 * - `kind`, when it is the record's model: the key names the model (key-names.ts modelJson),
 *   and a model takes its class name when the payload has none (BaseModel's constructor). A
 *   kind that is not the model's is kept, so that oidc-provider still refuses the record
 *   ("kind mismatch");
 * - a refresh token's `iiat` when it is its `iat` (RefreshToken's constructor sets `iiat` to
 *   `iat` when it has none) and its `rotations` when 0 (the refresh grant counts the token it
 *   rotates as `rotations + 1` when a number, else 1);
 * - a grant's `rejected` when empty (Grant sets `rejected ||= {}` before reading it, and only
 *   reads it when set);
 * - a grant's `iat`: oidc-provider reads a grant's issue time nowhere (its expiry is `exp`, kept
 *   across saves: BaseToken saves for the time left, `exp - now`) and writes one at each save
 *   (`iat || now`: the opaque format), so a grant read without it is the same grant;
 * - a session's `iat`, likewise: its expiry is `exp`, set from the session's lifetime at each save
 *   (BaseModel.save), the session cookie's from `exp`; nothing reads when it was first saved
 *   (the gateway's session lifetimes count from the assurance record's `loginAt`).
 * None of these is put back when a record is read: this release reads them as the releases
 * before it do (same oidc-provider), so a rolling upgrade or a rollback needs nothing, and
 * oidc-provider's own defaults are the one place these fields are decided. The adapter's find()
 * therefore returns a payload without them. What it saves: 224 B of Redis per
 * open session with one application (its refresh token 776 → 648 B, session 568 → 504, grant
 * 344 → 312; bench/README.md, tenth round), and 32 B more from the thirteenth round, the grant's
 * `iat` (its text of 131 characters in the bench, 114 without: an allocation class less), and from
 * the fourteenth round the session's `iat` (its text of 316 characters after a PSC card sign-in in
 * the bench, 299 without: 504 → 440 B; after a key sign-in 311 → 294, the same class, 20 characters
 * below the next where it was 3: a longer client id no longer takes it over).
 *
 * A record's `jti` is left out too when it is the id its key names (oidc-provider saves every
 * record under its jti), and put back when the record is read (withStoredDefaults): 64 B per
 * record, 192 B per open session (its refresh token, session and grant). The eleventh round's
 * release was the first to read a record without `jti` so; a release before it reads one as a
 * model with no jti, which consumes nothing (a refresh token replayed unseen) and saves itself
 * under a new id. So,
 * after any upgrade (an earlier release ran on this Redis; which one is not known), every record
 * keeps its `jti` during a window (legacy-records.ts, 'record-ids': instances of such a release
 * may still run, or be rolled back to), and this release may be rolled back only to the eleventh
 * round's or a later one once the window is over: docs/operations.md, "Upgrades".
 *
 * A code's, access token's and refresh token's `claims` are stored as `1` when they are
 * DEFAULT_CLAIMS, what oidc-provider gives every code of a client registered with
 * `require_auth_time` (every client of the gateway: oidc/provider.ts) and its tokens after it,
 * and read as them (withStoredDefaults): 43 characters of text less, 64 B of Redis for a refresh
 * token (its text of 454 characters with an application's 43-character nonce, 411 so: an
 * allocation class less). A record without claims is stored and read without. The refresh
 * grant reads them to put `auth_time` in the next ID token; a release before the thirteenth round
 * would read `1` as no claims, and leave `auth_time` out of it where only the claims asked for it
 * (an application not registered with require_auth_time that sent `max_age`, which must get it).
 * So, after an upgrade, records keep them as they are during a window of their own
 * (legacy-records.ts, 'token-claims'), as records keep their `jti` during theirs.
 */
import type { AdapterPayload } from './adapter-types.ts';

/** What a code and its tokens are given by oidc-provider for a client that requires auth_time: `auth_time` essential in the ID token. */
const DEFAULT_CLAIMS = { id_token: { auth_time: { essential: true } } } as const;
/** How DEFAULT_CLAIMS are stored (claims are otherwise always an object). */
const DEFAULT_CLAIMS_STORED = 1;
/** The models whose `iat` oidc-provider reads nowhere (see above): a grant's, a session's. */
const UNREAD_ISSUE_TIME_MODELS: ReadonlySet<string> = new Set(['Grant', 'Session']);
/** The models whose records carry the claims of the authorization they came from. */
const CLAIMS_MODELS: ReadonlySet<string> = new Set(['AuthorizationCode', 'AccessToken', 'RefreshToken']);

export interface StoredForm {
  /** The id the record's key names: its `jti` is left out when it is this one (undefined: the jti is kept; see above). */
  keyId?: string;
  /** Whether claims equal to DEFAULT_CLAIMS are kept (the window after an upgrade; see above). */
  keepDefaultClaims?: boolean;
}

/** The payload to store: without what oidc-provider reads the same without, nor what withStoredDefaults puts back (see above). */
export function withoutDefaults(model: string, payload: AdapterPayload, form: StoredForm = {}): AdapterPayload {
  const stored: AdapterPayload = { ...payload };
  if (stored.kind === model) delete stored.kind;
  if (form.keyId !== undefined && stored.jti === form.keyId) delete stored.jti;
  if (!form.keepDefaultClaims && CLAIMS_MODELS.has(model) && isDefaultClaims(stored.claims)) stored.claims = DEFAULT_CLAIMS_STORED;
  if (model === 'RefreshToken') {
    if (stored.iiat !== undefined && stored.iiat === stored.iat) delete stored.iiat;
    if (stored.rotations === 0) delete stored.rotations;
  }
  if (model === 'Grant' && isEmptyObject(stored.rejected)) delete stored.rejected;
  if (UNREAD_ISSUE_TIME_MODELS.has(model)) delete stored.iat;
  return stored;
}

function isEmptyObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;
}

/** Exactly DEFAULT_CLAIMS: an object with `id_token` alone, holding `auth_time` alone, holding `essential: true` alone. */
function isDefaultClaims(value: unknown): boolean {
  const only = (object: unknown, key: string): unknown =>
    object !== null && typeof object === 'object' && !Array.isArray(object) && Object.keys(object).length === 1
      ? (object as Record<string, unknown>)[key]
      : undefined;
  const essential = only(only(value, 'id_token'), 'auth_time');
  return only(essential, 'essential') === true;
}

/**
 * A record as read: with the id its key names as its `jti` when its stored text has none, and a
 * code's or token's DEFAULT_CLAIMS where it stored them as DEFAULT_CLAIMS_STORED (see above; a
 * fresh copy each time).
 */
export function withStoredDefaults(model: string, id: string, payload: AdapterPayload): AdapterPayload {
  const withId = payload.jti === undefined ? { ...payload, jti: id } : payload;
  if (!CLAIMS_MODELS.has(model) || withId.claims !== DEFAULT_CLAIMS_STORED) return withId;
  return { ...withId, claims: { id_token: { auth_time: { ...DEFAULT_CLAIMS.id_token.auth_time } } } };
}
