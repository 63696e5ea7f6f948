/**
 * "The store cannot be reached right now": one error type for every caller, recognised from
 * what ioredis throws during an outage (connection refused or reset, retries exhausted, a
 * Cluster or Sentinel without a master, a command timing out). It is oidc-provider's
 * `temporarily_unavailable` with status 503, so the provider answers relying parties with
 * that OAuth error (a redirect to the client for /auth, JSON for /token) and the gateway's
 * own routes show the French "try again in a moment" page. Other Redis errors (WRONGTYPE, a
 * script bug) stay what they are: a server error, logged.
 */
import { errors } from 'oidc-provider';
import type { Store, StoreBatch } from './store.ts';

export class StoreUnavailableError extends errors.TemporarilyUnavailable {
  constructor(cause: unknown) {
    super('the service is temporarily unavailable, try again in a moment', { cause });
    this.status = 503;
    this.statusCode = 503;
    this.expose = true;
  }
}

/** Reply prefixes of a Redis that is up but cannot serve (loading, failing over, no quorum). */
const UNAVAILABLE_REPLIES = /^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|BUSY|NOREPLICAS)\b/;
/** ioredis' own errors while it has no usable connection. */
const UNAVAILABLE_MESSAGES = /Connection is closed|Stream isn't writeable|isn't ready and enableOfflineQueue|None of startup nodes is available|Failed to refresh slots cache|Command timed out|Reached the max retries per request limit|connect ETIMEDOUT|All sentinels are unreachable/i;
const UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/** True when `err` (or an error it wraps) means the store could not be reached. */
export function isStoreUnavailable(err: unknown): boolean {
  for (let e = err as { name?: string; message?: string; code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth += 1) {
    if (e instanceof StoreUnavailableError) return true;
    if (typeof e !== 'object') return false;
    if (e.name && UNAVAILABLE_NAMES.has(e.name)) return true;
    if (e.code && UNAVAILABLE_CODES.has(e.code)) return true;
    if (typeof e.message === 'string' && (UNAVAILABLE_REPLIES.test(e.message) || UNAVAILABLE_MESSAGES.test(e.message))) return true;
  }
  return false;
}

/** The same error, or a StoreUnavailableError when it means the store could not be reached. */
export function asUnavailable(err: unknown): unknown {
  return !(err instanceof StoreUnavailableError) && isStoreUnavailable(err) ? new StoreUnavailableError(err) : err;
}

/**
 * The store with every failure that means "unreachable" turned into StoreUnavailableError,
 * so callers need not know ioredis' messages.
 */
export function withUnavailableErrors(store: Store): Store {
  const guard = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (err) {
      throw asUnavailable(err);
    }
  };
  const guardBatch = (batch: StoreBatch): StoreBatch => {
    const exec = batch.exec.bind(batch);
    batch.exec = guard(exec);
    return batch;
  };
  const guarded = { kind: store.kind } as Store;
  for (const name of Object.keys(store) as (keyof Store)[]) {
    const value = store[name];
    if (name === 'batch') guarded.batch = () => guardBatch(store.batch());
    else if (typeof value === 'function') (guarded as unknown as Record<string, unknown>)[name] = guard((value as (...args: unknown[]) => Promise<unknown>).bind(store));
  }
  return guarded;
}
