/**
 * How long anything waits for Redis: STORE_ANSWER_MS (3 s, docs/operations.md) from the moment
 * a command is issued — not from when ioredis writes it to the socket, which may be much later
 * when it is queued behind a stalled auto-pipeline — and, within one HTTP request, once: after
 * a command of the request got no answer in time, every later command of that request fails at
 * once instead of waiting its own 3 s (a rate limit that let the request through, then the
 * handler's reads, then the audit event of the refusal would otherwise add their waits up).
 * A request whose store does not answer therefore gets its 503 about 3 s after the store
 * stopped answering, whatever it has queued.
 *
 * The request's scope (request-scope.ts) travels with its async context, so every module
 * that talks to Redis — the store, the oidc-provider adapter, the audit trail, the rate
 * limits — is covered without passing anything down.
 */
import { currentRequest, outsideAnyRequest } from './request-scope.ts';
import { errorCauses } from './error-causes.ts';

/** The documented wait for Redis: a command (and a request) gets its answer within this. */
export const STORE_ANSWER_MS = 3000;

/** Redis did not answer in time; recognised as "store unavailable" (unavailable.ts). */
export class StoreDeadlineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreDeadlineError';
  }
}

/** Whether `err`, or an error it wraps, is a missed deadline. */
function missedDeadline(err: unknown): boolean {
  for (const e of errorCauses(err)) if (e instanceof StoreDeadlineError) return true;
  return false;
}

/**
 * The answer of a command issued now by `issue`, or StoreDeadlineError after `ms`. When the
 * current request already waited its turn in vain, the command is not issued at all.
 */
export function withinDeadline<T>(issue: () => Promise<T>, what: string, ms = STORE_ANSWER_MS): Promise<T> {
  const request = currentRequest();
  if (request?.expired) {
    return Promise.reject(new StoreDeadlineError(`redis: ${what} not sent: an earlier command of this request got no answer within ${ms} ms`));
  }
  const answer = issue();
  // One promise, one reaction and one timer per command (node groups timers of one duration
  // in a list): this runs for every Redis command of the gateway.
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (request) request.expired = true;
      reject(new StoreDeadlineError(`redis: no answer to ${what} within ${ms} ms`));
    }, ms);
    // After the deadline the command may still settle (ioredis' own timeout): already answered.
    // A deadline missed by shared work this waited for (awaitShared) counts as this request's own.
    answer.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (request && missedDeadline(err)) request.expired = true;
        reject(err);
      },
    );
  });
}

/**
 * Work that serves several requests at once — one rate-limit count for every request waiting on
 * a key, one audit commit of several requests' events — started outside any request's scope: its
 * commands get their own deadline, not the spent one (or the fresh 3 s) of whichever request
 * happened to start it.
 */
export function sharedWork<T>(start: () => Promise<T>): Promise<T> {
  return outsideAnyRequest(start);
}

/**
 * A request's wait for shared work, bounded as its own commands are: at most `ms` from now, once
 * (a request that already waited in vain is answered at once), so that a request joining work
 * queued behind a stalled Redis does not add that work's wait to its own.
 */
export function awaitShared<T>(work: Promise<T>, what: string, ms = STORE_ANSWER_MS): Promise<T> {
  return withinDeadline(() => work, what, ms);
}
