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
 */
import { STORE_ANSWER_MS } from './answer-deadline.ts';
import { currentRequest } from './request-scope.ts';
import { StoreUnavailableError } from './unavailable.ts';

/** Longer than any request's wait for the store: a rotation still marked after this was cut. */
export const ROTATION_SETTLES_MS = 2 * STORE_ANSWER_MS;

/** The model whose consumption is a rotation. */
export const ROTATED_MODEL = 'RefreshToken';

/** What consume() writes: `consumed`, and within a request the `rotating` mark (remembered, with the use mark's key). */
export function consumeFields(model: string, usedKey: string, now: number): { consumed: string; rotating?: string } {
  const consumed = String(Math.floor(now / 1000));
  const request = currentRequest();
  if (model !== ROTATED_MODEL || !request) return { consumed };
  request.rotating = { key: usedKey, consumed };
  return { consumed, [ROTATION_MARK]: String(now) };
}

/**
 * The use mark to clear once `model` was saved by this request (its access token), if any: its
 * key and the `consumed` to leave there alone. Clearing it replaces the mark only when it
 * exists, keeping its TTL (Store.replace), so it creates nothing when the token is gone.
 */
export function rotationToFinish(model: string): { key: string; consumed: string } | undefined {
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
