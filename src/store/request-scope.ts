/**
 * What one HTTP request has done with the store so far, carried by its async context
 * (AsyncLocalStorage) so that the store layer needs nothing passed down: whether a command
 * of it already got no answer in time (answer-deadline.ts: it waits once), and the refresh
 * token it is rotating (refresh-rotation.ts: the rotation counts once its tokens are saved).
 * Outside a request (start-up, timers, CLIs) there is no scope.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestHandler } from 'express';

export interface RequestScope {
  /** Set when a command of this request got no answer within its deadline. */
  expired: boolean;
  /** Store key of the refresh token this request consumed and is replacing. */
  rotating?: string;
}

const scopes = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` (and everything it starts) as one request. */
export function asOneRequest<T>(fn: () => T): T {
  return scopes.run({ expired: false }, fn);
}

/** Runs `fn` (and everything it starts) outside any request: work shared by several requests. */
export function outsideAnyRequest<T>(fn: () => T): T {
  return scopes.exit(fn);
}

/** The scope of the request running now, if any. */
export function currentRequest(): RequestScope | undefined {
  return scopes.getStore();
}

/** Express middleware: each request is one scope (mounted first, before anything reads Redis). */
export function storeScopePerRequest(): RequestHandler {
  return (_req, _res, next) => asOneRequest(next);
}
