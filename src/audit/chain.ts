/**
 * The hash chain: each event's MAC = HMAC-SHA256(key, prev + "\n" + canonical(event without
 * mac)), base64url, where prev is the MAC of the event before it ("" for seq 1). verifyChain
 * walks a list in storage order and reports the FIRST position where it stops being a chain.
 *
 * Rules of verifyChain (position = 1-based index in the list; "expected" = the seq that must
 * come next, "link" = the MAC of the last accepted event, or the start's prev):
 *  1. an event without a positive integer seq or string time/instance/prev/mac -> 'malformed'.
 *  2. its MAC does not match its content (changed field, or forged with another key):
 *     - 'inserted' if the next event is authentic and carries the expected seq and link (the
 *       chain goes on as if this one was not there), or it is last and the head says the chain
 *       ended just before it;
 *     - 'modified' otherwise. Reported at this event.
 *  3. its MAC is right (a genuine event) but:
 *     - seq > expected: 'inserted' if the same event appears again later (a copy placed
 *       early); else 'reordered' if the expected seq appears later, authentic; 'modified' if
 *       it appears later but does not match its MAC (rewritten: removed, changed, re-added);
 *       else 'deleted' (the event after the gap is reported; the message gives the missing seqs);
 *     - seq < expected: 'inserted' (a copy of an earlier event, or an event replayed from
 *       before the start);
 *     - seq = expected but prev is not the link: 'broken-link' (only a holder of the key can
 *       produce this: a fork).
 *  A copy placed right before its original is indistinguishable from it: the second one is
 *  reported. Truncation of the tail leaves a valid chain: only the recorded head (or any
 *  checkpoint kept elsewhere, e.g. the SIEM's copy) reveals it: 'truncated' at the position
 *  after the last event; a checkpoint whose MAC differs from the event at its seq is
 *  'head-mismatch'.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonical, canonicalObject, canonicalWithMember } from './canonical.ts';
import type { AuditEvent } from './types.ts';

/** An event before its MAC is computed. */
export type UnsignedAuditEvent = Omit<AuditEvent, 'mac'>;
/** What a writer gives to the log: the event without its chain fields. */
export type AuditEventBody = Omit<AuditEvent, 'seq' | 'prev' | 'mac'>;

/** The last event of the chain, as the log records it beside the events. */
export interface ChainHead {
  seq: number;
  mac: string;
}

/** Where the kept part of a trimmed chain starts, authenticated with the MAC key. */
export interface AuditTrimPoint {
  /** seq of the first kept event (head.seq + 1 when everything was trimmed). */
  seq: number;
  /** MAC of the last removed event: the prev the first kept event must carry. */
  prev: string;
  /** When the trim happened (ISO 8601). */
  time: string;
  /** HMAC over "trim\n" + canonical({seq, prev, time}): moving the start needs the key. */
  mac: string;
}

export const MIN_MAC_KEY_LENGTH = 32;

/** Throws unless `key` is a string of at least 32 characters. */
export function assertMacKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length < MIN_MAC_KEY_LENGTH) {
    const got = typeof key === 'string' ? `${key.length} characters` : typeof key;
    throw new TypeError(`audit: expected a MAC key of at least ${MIN_MAC_KEY_LENGTH} characters (audit.macKey / AUDIT_MAC_KEY), got ${got}`);
  }
}

function hmac(key: string, data: string): string {
  return createHmac('sha256', key).update(data, 'utf8').digest('base64url');
}

/** MAC of an event: HMAC-SHA256(key, prev + "\n" + canonical(event without mac)), base64url. */
export function macFor(key: string, prev: string, event: UnsignedAuditEvent | AuditEvent): string {
  const { mac: _mac, ...unsigned } = event as AuditEvent;
  return hmac(key, `${prev}\n${canonical(unsigned)}`);
}

function sameMac(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** True when the event's MAC matches its content and prev. */
export function hasValidMac(key: string, event: AuditEvent): boolean {
  try {
    return typeof event.mac === 'string' && sameMac(macFor(key, event.prev, event), event.mac);
  } catch {
    return false;
  }
}

/**
 * Chains `bodies` after `head` (undefined = empty chain, or `start` when it was trimmed to
 * nothing): assigns seq and prev and computes each MAC. Bodies must already be JSON-normalized.
 */
export function linkEvents(key: string, head: ChainHead | undefined, bodies: readonly AuditEventBody[], start?: { seq: number; prev: string }): AuditEvent[] {
  return chainEvents(key, head, bodies, start).map(({ event }) => event);
}

/** A chained event and its canonical JSON (what the log stores). */
export interface ChainedEvent {
  event: AuditEvent;
  text: string;
}

/**
 * linkEvents, with each event's canonical JSON: the event without its MAC is serialized once,
 * for the MAC and (with the MAC member added in its sorted place) for storage.
 */
export function chainEvents(
  key: string,
  head: ChainHead | undefined,
  bodies: readonly AuditEventBody[],
  start?: { seq: number; prev: string },
): ChainedEvent[] {
  let seq = head ? head.seq : start ? start.seq - 1 : 0;
  let prev = head ? head.mac : (start?.prev ?? '');
  return bodies.map((body) => {
    const unsigned: UnsignedAuditEvent = { ...body, seq: ++seq, prev };
    const { text: unsignedText, parts } = canonicalObject(unsigned as unknown as Record<string, unknown>);
    const mac = hmac(key, `${prev}\n${unsignedText}`);
    const event = { ...unsigned, mac } as AuditEvent;
    prev = mac;
    return { event, text: canonicalWithMember(parts, 'mac', mac) };
  });
}

/** MAC of a trim point (see AuditTrimPoint). */
export function trimPointMac(key: string, point: Omit<AuditTrimPoint, 'mac'>): string {
  return hmac(key, `trim\n${canonical({ seq: point.seq, prev: point.prev, time: point.time })}`);
}

/** True when the trim point was written by a holder of the key. */
export function isAuthenticTrimPoint(key: string, point: AuditTrimPoint): boolean {
  try {
    return typeof point.mac === 'string' && sameMac(trimPointMac(key, point), point.mac);
  } catch {
    return false;
  }
}

export type ChainProblem = 'malformed' | 'modified' | 'deleted' | 'inserted' | 'reordered' | 'broken-link' | 'truncated' | 'head-mismatch' | 'bad-trim-point';

export type ChainVerification =
  | { ok: true; count: number; firstSeq?: number | undefined; lastSeq?: number | undefined }
  | {
      ok: false;
      /** 1-based index, in the list given, of the first event that breaks the chain (count + 1 for a truncation). */
      position: number;
      /** seq found at that position (the missing seq for a truncation); undefined when unreadable. */
      seq: number | undefined;
      problem: ChainProblem;
      message: string;
    };

export interface VerifyChainOptions {
  /** seq the first event must have. Default 1: the list starts at the beginning of the chain. */
  expectedFirstSeq?: number;
  /**
   * prev the first event must carry. Default "" when the list starts at seq 1 (the genesis);
   * not checked when it starts elsewhere and this is not given (a trim point gives it).
   */
  expectedFirstPrev?: string;
  /**
   * The chain's head as recorded beside it, read BEFORE the events: the list must reach it
   * (seq and MAC). Events after it are accepted (appended meanwhile). null = no head recorded.
   * Not given = not checked (a truncated tail then goes unnoticed).
   */
  expectedHead?: ChainHead | null;
  /** Other checkpoints the list must contain, e.g. a {seq, mac} taken from the SIEM's copy. */
  anchors?: readonly ChainHead[];
  /** Events that follow the list (next page): only used to tell what kind of problem was found. */
  lookahead?: readonly AuditEvent[];
}

export function isWellFormed(event: unknown): event is AuditEvent {
  if (!event || typeof event !== 'object') return false;
  const e = event as Record<string, unknown>;
  return (
    Number.isSafeInteger(e.seq) &&
    (e.seq as number) > 0 &&
    typeof e.time === 'string' &&
    typeof e.instance === 'string' &&
    typeof e.prev === 'string' &&
    typeof e.mac === 'string' &&
    typeof e.type === 'string' &&
    typeof e.outcome === 'string'
  );
}

/** Verifies a list of events read in storage order. See the rules at the top of this file. */
export function verifyChain(events: readonly AuditEvent[], key: string, options: VerifyChainOptions = {}): ChainVerification {
  const startSeq = options.expectedFirstSeq ?? 1;
  const startPrev = options.expectedFirstPrev ?? (startSeq === 1 ? '' : undefined);
  const all = options.lookahead?.length ? [...events, ...options.lookahead] : events;
  const fail = (index: number, seq: number | undefined, problem: ChainProblem, message: string): ChainVerification => ({
    ok: false,
    position: index + 1,
    seq,
    problem,
    message,
  });
  const laterIndex = (from: number, test: (e: AuditEvent) => boolean): number => {
    for (let j = from; j < all.length; j++) if (isWellFormed(all[j]) && test(all[j]!)) return j;
    return -1;
  };

  let expected = startSeq;
  let link = startPrev;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    if (!isWellFormed(event)) {
      return fail(i, undefined, 'malformed', 'expected an event with a positive integer seq and string time, instance, type, outcome, prev and mac');
    }
    if (!hasValidMac(key, event)) {
      const next = all[i + 1];
      const chainGoesOn =
        next !== undefined && isWellFormed(next) && next.seq === expected && (link === undefined || next.prev === link) && hasValidMac(key, next);
      const headBefore =
        next === undefined &&
        i === events.length - 1 &&
        options.expectedHead &&
        options.expectedHead.seq === expected - 1 &&
        (link === undefined || options.expectedHead.mac === link);
      if (chainGoesOn || headBefore) {
        return fail(
          i,
          event.seq,
          'inserted',
          `seq ${event.seq} was not written with the MAC key and the chain ${chainGoesOn ? `goes on after it from seq ${expected - 1}` : `ended before it (head seq ${expected - 1})`}: a forged event was inserted`,
        );
      }
      return fail(i, event.seq, 'modified', `seq ${event.seq} does not match its MAC: its content (or its MAC) was changed after it was written`);
    }
    if (event.seq === expected) {
      if (link !== undefined && event.prev !== link) {
        return fail(
          i,
          event.seq,
          'broken-link',
          `seq ${event.seq} is authentic but its prev is not the MAC of ${i === 0 ? "the chain's start (trim point)" : `seq ${expected - 1}`}: the chain was forked by a holder of the key`,
        );
      }
      expected += 1;
      link = event.mac;
      continue;
    }
    if (event.seq > expected) {
      const copy = laterIndex(i + 1, (e) => e.seq === event.seq && e.mac === event.mac && hasValidMac(key, e));
      if (copy >= 0)
        return fail(i, event.seq, 'inserted', `seq ${event.seq} is a copy of the event at position ${copy + 1}, placed where seq ${expected} should be`);
      const moved = laterIndex(i + 1, (e) => e.seq === expected);
      if (moved >= 0 && hasValidMac(key, all[moved]!)) {
        return fail(i, event.seq, 'reordered', `expected seq ${expected} here, found seq ${event.seq}; seq ${expected} comes later, at position ${moved + 1}`);
      }
      if (moved >= 0) {
        return fail(
          i,
          event.seq,
          'modified',
          `expected seq ${expected} here, found seq ${event.seq}; an event with seq ${expected} that does not match its MAC is at position ${moved + 1}: it was rewritten (removed, changed and added again)`,
        );
      }
      const missing = event.seq - expected === 1 ? `seq ${expected}` : `seq ${expected}..${event.seq - 1}`;
      return fail(i, event.seq, 'deleted', `expected seq ${expected}, found seq ${event.seq}: ${missing} ${event.seq - expected === 1 ? 'is' : 'are'} missing`);
    }
    const earlier = events.slice(0, i).findIndex((e) => e.seq === event.seq && e.mac === event.mac);
    return fail(
      i,
      event.seq,
      'inserted',
      earlier >= 0
        ? `seq ${event.seq} is a copy of the event at position ${earlier + 1}, found where seq ${expected} should be`
        : `expected seq ${expected}, found seq ${event.seq} again (an older event replayed)`,
    );
  }

  const count = events.length;
  const firstSeq = count ? startSeq : undefined;
  const lastSeq = count ? expected - 1 : undefined;
  const view: VerifiedRun = { count, startSeq, startPrev, macAt: (seq) => events[seq - startSeq]?.mac };
  if (options.expectedHead !== undefined) {
    const problem = checkCheckpoint(view, options.expectedHead, 'head');
    if (problem) return problem;
  }
  for (const anchor of options.anchors ?? []) {
    const problem = checkCheckpoint(view, anchor, 'anchor');
    if (problem) return problem;
  }
  return { ok: true, count, firstSeq, lastSeq };
}

/** A verified, contiguous run of events: startSeq .. startSeq + count - 1. */
export interface VerifiedRun {
  count: number;
  startSeq: number;
  /** prev of the first event, when known. */
  startPrev: string | undefined;
  /** MAC of the event with this seq, when it is in the run (and remembered). */
  macAt(seq: number): string | undefined;
}

/**
 * Checks that a verified run reaches a checkpoint {seq, mac} (the recorded head, or an
 * anchor): returns the problem, or undefined when it holds or lies before the run (trimmed).
 */
export function checkCheckpoint(run: VerifiedRun, checkpoint: ChainHead | null, name: 'head' | 'anchor'): ChainVerification | undefined {
  const lastSeq = run.startSeq + run.count - 1;
  if (checkpoint === null) {
    if (run.count === 0 || name === 'anchor') return undefined;
    return {
      ok: false,
      position: 1,
      seq: run.startSeq,
      problem: 'head-mismatch',
      message: `the log records no head but holds events from seq ${run.startSeq}: the head was removed`,
    };
  }
  if (checkpoint.seq < run.startSeq - 1) {
    if (name === 'anchor') return undefined;
    return {
      ok: false,
      position: 1,
      seq: run.startSeq,
      problem: 'head-mismatch',
      message: `the head says seq ${checkpoint.seq} but the chain starts at seq ${run.startSeq}`,
    };
  }
  if (checkpoint.seq === run.startSeq - 1) {
    if (run.startPrev === undefined || run.startPrev === checkpoint.mac) return undefined;
    return {
      ok: false,
      position: 1,
      seq: run.startSeq,
      problem: 'head-mismatch',
      message: `the ${name} at seq ${checkpoint.seq} does not match the prev the chain starts with`,
    };
  }
  if (checkpoint.seq > lastSeq) {
    return {
      ok: false,
      position: run.count + 1,
      seq: lastSeq + 1,
      problem: 'truncated',
      message: run.count
        ? `the chain ends at seq ${lastSeq} but the ${name} records seq ${checkpoint.seq}: ${checkpoint.seq - lastSeq} event(s) removed from the end`
        : `the chain is empty but the ${name} records seq ${checkpoint.seq}: the events from seq ${run.startSeq} were removed`,
    };
  }
  const mac = run.macAt(checkpoint.seq);
  if (mac === undefined || mac === checkpoint.mac) return undefined;
  return {
    ok: false,
    position: checkpoint.seq - run.startSeq + 1,
    seq: checkpoint.seq,
    problem: 'head-mismatch',
    message: `seq ${checkpoint.seq} does not have the MAC the ${name} records: the chain was rewritten from there by a holder of the key, or the ${name} was changed`,
  };
}
