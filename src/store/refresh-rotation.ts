/**
 * A refresh token rotation that an outage cannot turn into a revoked grant. oidc-provider
 * rotates in three writes: it consumes the old refresh token, saves the new one, saves the
 * access token. Cut after the first (Redis killed, frozen or failing over; on Cluster the
 * writes span shards), the relying party gets 503, tries again with the old token, finds it
 * consumed — and oidc-provider, taking that for a stolen token replayed, revokes the grant.
 *
 * So, within a request, consuming a refresh token also marks it `rotating` (when), and the
 * mark is cleared once the request saved its access token: only then is the token spent. Both
 * are in the token's use mark (adapter-record.ts): `<consumed> <rotating>`, then `<consumed>`.
 * A token still marked:
 * - within ROTATION_SETTLES_MS of being consumed: its rotation may still be running or was
 *   just cut — the answer is the outage's (503, try again), never a replay verdict;
 * - later: the rotation was cut and never finished; nothing was handed out, so the token is
 *   served as not consumed and rotates again.
 * A consumed token without the mark (rotation finished, or consumed outside a request, or
 * before this release) is spent: reusing it is a replay, as oidc-provider decides.
 *
 * A rotation that finishes in the request that read the token also shrinks it: the spent
 * token's record keeps only what its reuse needs (SPENT_REFRESH_TOKEN_FIELDS), with `consumed`
 * inline, and its use mark, written to live only while the rotation may run
 * (FOLDING_MARK_SECONDS), goes by itself. A client refreshing every ten minutes leaves one
 * spent token per refresh for the token's whole lifetime (replays are told apart from unknown
 * tokens as long as the token would have lived), so what each one weighs is what a session
 * weighs in Redis.
 */
import type { AdapterPayload } from './adapter-types.ts';
import { STORE_ANSWER_MS } from './answer-deadline.ts';
import { currentRequest, type RequestScope } from './request-scope.ts';
import { StoreUnavailableError } from './unavailable.ts';

/** Longer than any request's wait for the store: a rotation still marked after this was cut. */
export const ROTATION_SETTLES_MS = 2 * STORE_ANSWER_MS;

/** The model whose consumption is a rotation. */
export const ROTATED_MODEL = 'RefreshToken';

/** A rotation a request began: its use mark's key, the `consumed` it wrote, the spent record when the request read the token. */
export type Rotation = NonNullable<RequestScope['rotating']>;

/**
 * What a spent refresh token keeps: what oidc-provider's refresh grant reads of it before it
 * sees it consumed and revokes its grant (client, expiry, sender binding, grant, scope,
 * account, session binding), and what introspection and revocation read (its grant, client;
 * its kind is its model's: record-defaults.ts). The rest (acr, amr, claims, nonce, …) only
 * served a token still to be used.
 */
export const SPENT_REFRESH_TOKEN_FIELDS = [
  'iat',
  'exp',
  'jti',
  'clientId',
  'grantId',
  'accountId',
  'sessionUid',
  'expiresWithSession',
  'scope',
  'x5t#S256',
  'jkt',
  'attestationJkt',
] as const;

/** A spent refresh token's record: its SPENT_REFRESH_TOKEN_FIELDS and when it was consumed. */
export function spentRefreshToken(payload: AdapterPayload, consumed: string): AdapterPayload {
  const spent: Record<string, unknown> = {};
  for (const field of SPENT_REFRESH_TOKEN_FIELDS) if (payload[field] !== undefined) spent[field] = payload[field];
  return { ...spent, consumed: Number(consumed) };
}

/** Remembers the refresh token this request read (not consumed): consuming it then knows what it keeps once spent. */
export function rememberRefreshTokenRead(key: string, payload: AdapterPayload): void {
  const request = currentRequest();
  if (request) request.refreshTokenRead = { key, payload };
}

/**
 * How long the use mark of a rotation that will write its spent record (consumed inline) lives:
 * only while the rotation may run. Past ROTATION_SETTLES_MS a mark still rotating counts as no
 * consumption, and once the rotation has finished the record says it is spent: the mark gone
 * changes nothing then, and needs no command to go. A minute: more than the clocks of two
 * instances may differ.
 */
export const FOLDING_MARK_SECONDS = 60;

/**
 * What consume() writes in the use mark and how long it lives (`ttl`: the record's lifetime and
 * the margin, undefined for none): `consumed`, and within a request the `rotating` mark
 * (remembered, with the use mark's key, and the spent record, as `encode` stores it, when this
 * request read the token at `recordKey`, in which case the mark only lives FOLDING_MARK_SECONDS).
 */
export function consumeFields(
  model: string,
  keys: { used: string; record: string },
  now: number,
  ttl: number | undefined,
  encode: (payload: AdapterPayload) => string,
): { use: { consumed: string; rotating?: string }; ttl: number | undefined } {
  const consumed = String(Math.floor(now / 1000));
  const request = currentRequest();
  if (model !== ROTATED_MODEL || !request) return { use: { consumed }, ttl };
  const read = request.refreshTokenRead;
  const spent = read?.key === keys.record ? { key: keys.record, text: encode(spentRefreshToken(read.payload, consumed)) } : undefined;
  request.rotating = { key: keys.used, consumed, spent };
  const use = { consumed, [ROTATION_MARK]: String(now) };
  return { use, ttl: spent ? Math.min(ttl ?? Infinity, FOLDING_MARK_SECONDS) : ttl };
}

/**
 * The rotation to finish once `model` was saved by this request (its access token), if any: the
 * use mark's key, the `consumed` to leave there, and the spent record to write when known
 * (oidc-adapter.ts finishRotation).
 */
export function rotationToFinish(model: string): Rotation | undefined {
  const request = currentRequest();
  if (model !== 'AccessToken' || !request?.rotating) return undefined;
  const rotating = request.rotating;
  request.rotating = undefined;
  return rotating;
}

/** The rotation mark's name (in a use mark, and as the field of a hash-layout token). */
export const ROTATION_MARK = 'rotating';

/**
 * A stored refresh token's hash as find() should see it: unchanged when not marked; without
 * `consumed` when its rotation was cut long enough ago; StoreUnavailableError while it may
 * still be running.
 */
export function settledRotation(key: string, hash: Record<string, string>, now: number): Record<string, string> {
  if (!hash.rotating || hash.consumed === undefined) return hash;
  const since = now - Number(hash.rotating);
  if (Number.isFinite(since) && since < ROTATION_SETTLES_MS) {
    throw new StoreUnavailableError(new Error(`refresh token ${key}: its rotation began ${since} ms ago and has not finished: try again in a moment`));
  }
  const { consumed: _consumed, rotating: _rotating, ...unconsumed } = hash;
  return unconsumed;
}
