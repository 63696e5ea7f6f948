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
 *   (`iat || now`: the opaque format), so a grant read without it is the same grant.
 * None of these is put back when a record is read: this release reads them as the releases
 * before it do (same oidc-provider), so a rolling upgrade or a rollback needs nothing, and
 * oidc-provider's own defaults are the one place these fields are decided. The adapter's find()
 * therefore returns a payload without them. What it saves: 224 B of Redis per
 * open session with one application (its refresh token 776 → 648 B, session 568 → 504, grant
 * 344 → 312; bench/README.md, tenth round), and 32 B more from the thirteenth round, the grant's
 * `iat` (its text of 131 characters in the bench, 114 without: an allocation class less).
 *
 * A record's `jti` is left out too when it is the id its key names (oidc-provider saves every
 * record under its jti), and put back when the record is read (withKeyId): 64 B per record, 192 B
 * per open session (its refresh token, session and grant). The eleventh round's release was the
 * first to read a record without `jti` so; a release before it reads one as a model with no jti,
 * which consumes nothing (a refresh token replayed unseen) and saves itself under a new id. So,
 * after any upgrade (an earlier release ran on this Redis; which one is not known), every record
 * keeps its `jti` during a window (legacy-records.ts, 'record-ids': instances of such a release
 * may still run, or be rolled back to), and this release may be rolled back only to the eleventh
 * round's or a later one once the window is over: docs/operations.md, "Upgrades".
 */
import type { AdapterPayload } from './adapter-types.ts';

/**
 * The payload to store: without what oidc-provider reads the same without, and without its
 * `jti` when it is `keyId`, the id the record's key names (undefined: the jti is kept; see above).
 */
export function withoutDefaults(model: string, payload: AdapterPayload, keyId?: string): AdapterPayload {
  const stored: AdapterPayload = { ...payload };
  if (stored.kind === model) delete stored.kind;
  if (keyId !== undefined && stored.jti === keyId) delete stored.jti;
  if (model === 'RefreshToken') {
    if (stored.iiat !== undefined && stored.iiat === stored.iat) delete stored.iiat;
    if (stored.rotations === 0) delete stored.rotations;
  }
  if (model === 'Grant') {
    if (isEmptyObject(stored.rejected)) delete stored.rejected;
    delete stored.iat;
  }
  return stored;
}

function isEmptyObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;
}

/** A record as read: with the id its key names as its `jti` when its stored text has none (see above). */
export function withKeyId(id: string, payload: AdapterPayload): AdapterPayload {
  return payload.jti === undefined ? { ...payload, jti: id } : payload;
}
