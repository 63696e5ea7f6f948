/**
 * A refresh token rotation that an outage cannot turn into a revoked grant. oidc-provider
 * rotates in three writes: it consumes the old refresh token, saves the new one, saves the
 * access token. Cut after the first (Redis killed, frozen or failing over; on Cluster the
 * writes span shards), the relying party gets 503, tries again with the old token, finds it
 * consumed — and oidc-provider, taking that for a stolen token replayed, revokes the grant.
 *
 * So, within a request, consuming a refresh token also marks it `rotating` (when), and the
 * mark is cleared once the request saved its access token: only then is the token spent.
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

/** Fields consume() writes: `consumed`, and within a request the `rotating` mark (remembered). */
export function consumeFields(model: string, key: string, now: number): Record<string, string> {
  const fields: Record<string, string> = { consumed: String(Math.floor(now / 1000)) };
  const request = currentRequest();
  if (model === ROTATED_MODEL && request) {
    fields[ROTATION_MARK] = String(now);
    request.rotating = key;
  }
  return fields;
}

/** The key whose mark to clear once `model` was saved by this request (its access token), if any. */
export function rotationToFinish(model: string): string | undefined {
  const request = currentRequest();
  if (model !== 'AccessToken' || !request?.rotating) return undefined;
  const key = request.rotating;
  request.rotating = undefined;
  return key;
}

/**
 * The mark's field. Clearing it is one HDEL, which creates nothing when the token is gone (it
 * was one script call checking the hash exists, then HSET of an empty mark: three commands).
 */
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
