/**
 * What one HTTP request has done with the store so far, carried by its async context
 * (AsyncLocalStorage) so that the store layer needs nothing passed down: whether a command
 * of it already got no answer in time (answer-deadline.ts: it waits once), what it consumed
 * that is spent only once it answers (token-consumption.ts: a code, a refresh token),
 * the records it has read once (readOncePerRequest: an account, its keys, its interaction),
 * the records read ahead for it (request-read-ahead.ts: a token's session and grant),
 * what is to be saved with its session (joinSessionSave: the session's assurance), and the
 * tokens held until it answers (token-consumption.ts: bought by a code or a refresh token).
 * Outside a request (start-up, timers, CLIs) there is no scope.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestHandler } from 'express';
import { recordCopy } from './record-copy.ts';
import type { StoreBatch } from './store.ts';

export interface RequestScope {
  /** Set when a command of this request got no answer within its deadline. */
  expired: boolean;
  /** How to spend what this request consumed (a code, a refresh token), run as it answers (token-consumption.ts). */
  spendWhenAnswered?: Array<Spend>;
  /** The last refresh token this request read, not consumed: its record's key and payload (token-consumption.ts). */
  refreshTokenRead?: { key: string; payload: Record<string, unknown> };
  /** Records this request read, by store key (readOncePerRequest); made at the first read. */
  reads?: Map<string, Promise<unknown>>;
  /** A write to join the batch that saves a session in this request (joinSessionSave). */
  sessionSave?: SessionSaveWrite;
  /** While the provider answers: the tokens bought by what the request consumed, saved together before it is spent (token-consumption.ts). */
  boughtTokens?: HeldWrites;
  /** Records' texts read ahead, by store key, each until a read takes it (request-read-ahead.ts). */
  readAhead?: Map<string, Promise<string | null>>;
}

/** Writes held until the request answers: one batch, made at the first write, and what to do once it is sent. */
export interface HeldWrites {
  batch?: StoreBatch;
  whenSaved: Array<() => void>;
}

/** Spends what a request consumed; given the batch of what it bought, as that batch's condition, executing it (token-consumption.ts). */
export type Spend = (bought?: StoreBatch) => Promise<void>;

/** Adds to `batch` what is saved with session `uid` (its assurance), if anything. */
export type SessionSaveWrite = (uid: string, batch: StoreBatch) => void;

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

/**
 * A record read once per request: the first call in a request runs `read`, later calls in the
 * same request get a copy of what it gave (concurrent calls share the one read). Outside a
 * request `read` runs every time, and no request ever sees another's reads: the memo lives in
 * the request's scope and goes with it.
 *
 * Only for records whose module is their only writer, and which calls forgetForRequest or
 * rememberForRequest after each of its writes, so that the request sees what it wrote. A read
 * that must see a change made meanwhile by another request or instance (a revocation, an
 * administrator ending sessions) does not come from here: it reads the store.
 */
export function readOncePerRequest<T>(key: string, read: () => Promise<T>): Promise<T> {
  const scope = scopes.getStore();
  if (!scope) return read();
  const reads = (scope.reads ??= new Map());
  let pending = reads.get(key) as Promise<T> | undefined;
  if (!pending) {
    pending = read();
    reads.set(key, pending);
    // A failed read is not kept: the next call tries again.
    const failed = pending;
    failed.catch(() => {
      if (reads.get(key) === failed) reads.delete(key);
    });
  }
  // A copy, so that a caller changing what it got changes nothing for the next one.
  return pending.then(recordCopy);
}

/** Records `value` as what `key` holds now, for the rest of this request (after a write, or a fresh read). */
export function rememberForRequest<T>(key: string, value: T): void {
  const scope = scopes.getStore();
  if (scope) (scope.reads ??= new Map()).set(key, Promise.resolve(recordCopy(value)));
}

/** Applies a write this request made to what it read of `key`, when it read it (nothing otherwise). */
export function updateForRequest<T>(key: string, change: (value: T) => T): void {
  const reads = scopes.getStore()?.reads;
  const pending = reads?.get(key) as Promise<T> | undefined;
  if (!reads || !pending) return;
  const updated = pending.then(change);
  updated.catch(() => {
    if (reads.get(key) === updated) reads.delete(key);
  });
  reads.set(key, updated);
}

/** Drops what this request read of `key` (after a write): its next read goes to the store. */
export function forgetForRequest(key: string): void {
  scopes.getStore()?.reads?.delete(key);
}

/**
 * Asks that `write` join the batch that saves a session, if this request saves one (the oidc
 * adapter calls addToSessionSave), so that what is saved beside a session goes in the session's
 * own script call (oidc/assurance-check.ts: the session's assurance), until the function it
 * returns is called. Outside a request: nothing.
 */
export function joinSessionSave(write: SessionSaveWrite): () => void {
  const scope = scopes.getStore();
  if (!scope) return () => undefined;
  scope.sessionSave = write;
  // Let go of it (and of what it holds: the request's context) once the caller is done.
  return () => {
    if (scope.sessionSave === write) scope.sessionSave = undefined;
  };
}

/** Adds to `batch`, which saves session `uid`, what this request asked to join it (joinSessionSave). */
export function addToSessionSave(uid: string, batch: StoreBatch): void {
  scopes.getStore()?.sessionSave?.(uid, batch);
}
