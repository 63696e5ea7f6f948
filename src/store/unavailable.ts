/**
 * "The store cannot serve right now": one error type for every caller, recognised from what
 * ioredis throws during an outage (connection refused or reset, retries exhausted, a Cluster
 * or Sentinel without a master, a command or a request's wait timing out) and from the
 * replies of a Redis that is up but refuses (disk or memory full, a replica, busy, loading,
 * failing over), also when they come back inside a batch's script. It carries the OAuth
 * error `temporarily_unavailable` with status 503 in the fields OAuth layers answer from
 * (`error`, `error_description`, `status`, `expose`, `allow_redirect`: oidc-provider's error
 * handlers read exactly these), so the provider answers relying parties with that error (a
 * redirect to the client for /auth, JSON for /token) without the store depending on the
 * provider; the gateway's own routes show the French "try again in a moment" page
 * (http/refusal.ts). Other Redis errors (WRONGTYPE, a script bug) stay what they are: a
 * server error, logged.
 */
import { errorCauses } from './error-causes.ts';
import type { Store, StoreBatch } from './store.ts';

/**
 * Seconds a client is asked to wait before retrying during an outage (Retry-After of every
 * 503: the gateway's pages and JSON, the ceremony scripts, oidc-provider's endpoints).
 */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

export class StoreUnavailableError extends Error {
  /** The OAuth error code (RFC 6749 §4.1.2.1, §5.2 as extended for the token endpoint). */
  readonly error = 'temporarily_unavailable';
  readonly error_description = 'the service is temporarily unavailable, try again in a moment';
  readonly status = 503;
  readonly statusCode = 503;
  /** The code and description may be shown: they say nothing of the store. */
  readonly expose = true;
  /** An authorization request's error goes back to the client's redirect_uri, as any OAuth error. */
  readonly allow_redirect = true;
  constructor(cause: unknown) {
    // The message is the error code: what oidc-provider's answers put in `error`.
    super('temporarily_unavailable', { cause });
    this.name = 'StoreUnavailableError';
  }
}

/**
 * Reply prefixes of a Redis that is up but cannot take this now: its disk refuses writes
 * (MISCONF), maxmemory reached under noeviction (OOM), a replica after a failover (READONLY),
 * loading its data, busy with a script, a Cluster or master without quorum.
 */
// MOVED and ASK reach a caller when a Cluster's slots move under an auto-pipelined batch (a failover).
const UNAVAILABLE_REPLIES = /^(MISCONF|OOM|LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|BUSY|NOREPLICAS|MOVED|ASK)\b|^ERR max number of clients reached/;
/** ioredis' own errors while it has no usable connection. */
const UNAVAILABLE_MESSAGES =
  /Connection is closed|Stream isn't writeable|isn't ready and enableOfflineQueue|None of startup nodes is available|Failed to refresh slots cache|Command timed out|Reached the max retries per request limit|connect ETIMEDOUT|All sentinels are unreachable|Too many Cluster redirections|Redis connection is not ready|Command aborted due to connection close|Cluster is ended/i;
const UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError', 'StoreDeadlineError']);

type ErrorLike = { name?: string; message?: string; code?: string; cause?: unknown; failures?: { message?: unknown }[] };

/** The failures of a BatchError (a batch's script reports each command's error reply). */
function batchReplies(e: ErrorLike): string[] {
  return Array.isArray(e.failures) ? e.failures.map((f) => String(f?.message ?? '')) : [];
}
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/** True when `err` (or an error it wraps) means the store could not be reached. */
export function isStoreUnavailable(err: unknown): boolean {
  for (const e of errorCauses(err) as Iterable<ErrorLike>) {
    if (e instanceof StoreUnavailableError) return true;
    if (e.name && UNAVAILABLE_NAMES.has(e.name)) return true;
    if (e.code && UNAVAILABLE_CODES.has(e.code)) return true;
    if (typeof e.message === 'string' && (UNAVAILABLE_REPLIES.test(e.message) || UNAVAILABLE_MESSAGES.test(e.message))) return true;
    if (batchReplies(e).some((reply) => UNAVAILABLE_REPLIES.test(reply))) return true;
  }
  return false;
}

/**
 * What the store said, for the one log line of an outage: Redis' reply or ioredis' message
 * (the innermost cause; a batch's first refused command), cut to 200 characters.
 */
export function outageCause(err: unknown): string {
  let said = '';
  for (const e of errorCauses(err) as Iterable<ErrorLike>) {
    const refused = batchReplies(e).find((reply) => UNAVAILABLE_REPLIES.test(reply));
    if (refused) return refused.slice(0, 200);
    if (typeof e.message === 'string' && !(e instanceof StoreUnavailableError))
      said = e.code && !e.message.includes(e.code) ? `${e.code} ${e.message}` : e.message;
  }
  return (said || String((err as Error)?.message ?? err)).slice(0, 200);
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
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
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
    else if (typeof value === 'function')
      (guarded as unknown as Record<string, unknown>)[name] = guard((value as (...args: unknown[]) => Promise<unknown>).bind(store));
  }
  return guarded;
}
