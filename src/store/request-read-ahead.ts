/**
 * Records read ahead for the request running now: a read started as soon as the request knows
 * it will need the record, taken by the read that then needs it, so that two records named by a
 * third are read in one round trip instead of one after the other (oidc-adapter.ts: a token's
 * session and grant). Each read ahead is taken at most once, by the request that started it:
 * it lives in the request's scope (request-scope.ts) and goes with it, and a later read of the
 * same record, in that request or another, goes to the store. A read ahead is as fresh as a read
 * made when it started, within the same request: what a request reads a moment earlier than it
 * would have, while it runs anyway. A write of the record in the request drops it (dropReadAhead).
 * Outside a request nothing is read ahead.
 */
import { currentRequest } from './request-scope.ts';

/** Starts `read` of `key` for this request, unless one is already waiting to be taken. */
export function readAhead(key: string, read: () => Promise<string | null>): void {
  const scope = currentRequest();
  if (!scope) return;
  const ahead = (scope.readAhead ??= new Map());
  if (ahead.has(key)) return;
  const pending = read();
  // Never taken (the provider refused the token first): its failure is nobody's to report.
  pending.catch(() => undefined);
  ahead.set(key, pending);
}

/** The read of `key` started ahead for this request, if any, which no later read gets. */
export function takeReadAhead(key: string): Promise<string | null> | undefined {
  const ahead = currentRequest()?.readAhead;
  const pending = ahead?.get(key);
  if (pending) ahead!.delete(key);
  return pending;
}

/** Drops what was read ahead of `key` for this request (before a write of it). */
export function dropReadAhead(key: string): void {
  currentRequest()?.readAhead?.delete(key);
}
