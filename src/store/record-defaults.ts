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
 *   reads it when set).
 * None of these is put back when a record is read: this release reads them as the releases
 * before it do (same oidc-provider), so a rolling upgrade or a rollback needs nothing, and
 * oidc-provider's own defaults are the one place these fields are decided. The adapter's find()
 * therefore returns a payload without them. What it saves: 224 B of Redis per
 * open session with one application (its refresh token 776 → 648 B, session 568 → 504, grant
 * 344 → 312; bench/README.md, tenth round).
 *
 * A record's `jti` is still stored, though its key names it too (oidc-provider saves every
 * record under its jti): a release before the eleventh round reads a record without it as a
 * model with no jti, which consumes nothing (a refresh token replayed unseen) and saves itself
 * under a new id. This release reads a record without `jti` with its key's id (withKeyId), so
 * that a later release may store records without it (64 B per record, 192 B per open session)
 * and still be rolled back to this one: docs/operations.md, "Upgrades".
 */
import type { AdapterPayload } from './adapter-types.ts';

/** The payload to store: without what oidc-provider reads the same without (see above). */
export function withoutDefaults(model: string, payload: AdapterPayload): AdapterPayload {
  const stored: AdapterPayload = { ...payload };
  if (stored.kind === model) delete stored.kind;
  if (model === 'RefreshToken') {
    if (stored.iiat !== undefined && stored.iiat === stored.iat) delete stored.iiat;
    if (stored.rotations === 0) delete stored.rotations;
  }
  if (model === 'Grant' && isEmptyObject(stored.rejected)) delete stored.rejected;
  return stored;
}

function isEmptyObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;
}

/** A record as read: with the id its key names as its `jti` when its stored text has none (see above). */
export function withKeyId(id: string, payload: AdapterPayload): AdapterPayload {
  return payload.jti === undefined ? { ...payload, jti: id } : payload;
}
