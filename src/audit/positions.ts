/**
 * Places in the audit trail and the search index's entries. A position is the event's Redis
 * stream id "ms-n" (the memory log makes the same ids): it orders events as the chain does
 * and never changes, so it is the search's page cursor. An index entry is 16 bytes, big-endian:
 * the event's own time in ms (6 bytes), then its position (ms: 6 bytes, n: 4 bytes).
 * parsePosition throws a TypeError saying what a position looks like.
 */

/** A stream id "ms-n" (ms: milliseconds since the epoch; n: order within that ms). */
export type AuditPosition = string;

export const POSITION_PATTERN = /^(\d{1,15})-(\d{1,10})$/;
/** Bytes of one index entry. */
export const ENTRY_BYTES = 16;
const MAX_MS = 2 ** 48 - 1;
const MAX_N = 2 ** 32 - 1;

export interface ParsedPosition {
  ms: number;
  n: number;
}

/** "ms-n" as numbers; throws a TypeError for anything else (or beyond what an entry holds). */
export function parsePosition(text: string): ParsedPosition {
  const match = POSITION_PATTERN.exec(text);
  const ms = match ? Number(match[1]) : Number.NaN;
  const n = match ? Number(match[2]) : Number.NaN;
  if (!match || ms > MAX_MS || n > MAX_N) throw new TypeError(`audit position: expected a stream id "ms-n" (e.g. "1733310000000-0"), got ${JSON.stringify(String(text).slice(0, 40))}`);
  return { ms, n };
}

export function formatPosition(ms: number, n: number): AuditPosition {
  return `${ms}-${n}`;
}

/** Negative, zero or positive as a is before, at or after b. */
export function comparePositions(a: ParsedPosition, b: ParsedPosition): number {
  return a.ms - b.ms || a.n - b.n;
}

/** One index entry: the event's time (ms, clamped to 0..2^48-1) and its position. */
export function encodeEntry(timeMs: number, position: ParsedPosition): Buffer {
  const entry = Buffer.alloc(ENTRY_BYTES);
  entry.writeUIntBE(Math.min(Math.max(0, Math.floor(timeMs)), MAX_MS), 0, 6);
  entry.writeUIntBE(position.ms, 6, 6);
  entry.writeUInt32BE(position.n, 12);
  return entry;
}

/**
 * Positions in trail order (ascending, no duplicate), with each event's time: what an index
 * key holds once read, or a search's matches.
 */
export interface PositionList {
  readonly length: number;
  readonly time: Float64Array;
  readonly ms: Float64Array;
  readonly n: Uint32Array;
}

export interface EntryFilter {
  /** Events whose time is >= this (ms). */
  fromMs?: number | undefined;
  /** Events whose time is < this (ms). */
  toMs?: number | undefined;
  /** Positions at or after this one. */
  lowest?: ParsedPosition | undefined;
  /** Positions at or before this one. */
  highest?: ParsedPosition | undefined;
}

/**
 * Reads index entries (several keys' values, in any order) into a sorted PositionList of
 * those that pass the filter. Each key is sorted already; they are merged, duplicates dropped.
 */
export function decodeEntries(buffers: readonly Buffer[], filter: EntryFilter = {}): PositionList {
  const total = buffers.reduce((sum, b) => sum + Math.floor(b.length / ENTRY_BYTES), 0);
  const time = new Float64Array(total);
  const ms = new Float64Array(total);
  const n = new Uint32Array(total);
  const fromMs = filter.fromMs ?? -Infinity;
  const toMs = filter.toMs ?? Infinity;
  const low = filter.lowest;
  const high = filter.highest;
  let length = 0;
  let sorted = true;
  for (const buffer of buffers) {
    const end = buffer.length - (buffer.length % ENTRY_BYTES);
    for (let offset = 0; offset < end; offset += ENTRY_BYTES) {
      const t = buffer.readUInt16BE(offset) * 2 ** 32 + buffer.readUInt32BE(offset + 2);
      if (t < fromMs || t >= toMs) continue;
      const m = buffer.readUInt16BE(offset + 6) * 2 ** 32 + buffer.readUInt32BE(offset + 8);
      const k = buffer.readUInt32BE(offset + 12);
      if (low && (m < low.ms || (m === low.ms && k < low.n))) continue;
      if (high && (m > high.ms || (m === high.ms && k > high.n))) continue;
      if (length > 0 && sorted) {
        const pm = ms[length - 1]!;
        const pn = n[length - 1]!;
        if (m < pm || (m === pm && k < pn)) sorted = false;
        else if (m === pm && k === pn) continue;
      }
      time[length] = t;
      ms[length] = m;
      n[length] = k;
      length += 1;
    }
  }
  const list = { length, time: time.subarray(0, length), ms: ms.subarray(0, length), n: n.subarray(0, length) };
  return sorted ? list : sortList(list);
}

/** Sorts by position and drops duplicates (keys of several months interleave when events were recorded late). */
function sortList(list: PositionList): PositionList {
  const order = Array.from({ length: list.length }, (_, i) => i).sort((a, b) => list.ms[a]! - list.ms[b]! || list.n[a]! - list.n[b]!);
  const time = new Float64Array(list.length);
  const ms = new Float64Array(list.length);
  const n = new Uint32Array(list.length);
  let length = 0;
  for (const i of order) {
    if (length > 0 && ms[length - 1] === list.ms[i] && n[length - 1] === list.n[i]) continue;
    time[length] = list.time[i]!;
    ms[length] = list.ms[i]!;
    n[length] = list.n[i]!;
    length += 1;
  }
  return { length, time: time.subarray(0, length), ms: ms.subarray(0, length), n: n.subarray(0, length) };
}

/** Index of the first position of `list` at or after `p` (list.length when none). */
export function lowerBound(list: PositionList, p: ParsedPosition): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list.ms[mid]! < p.ms || (list.ms[mid] === p.ms && list.n[mid]! < p.n)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first position of `list` after `p`. */
export function upperBound(list: PositionList, p: ParsedPosition): number {
  const at = lowerBound(list, p);
  return at < list.length && list.ms[at] === p.ms && list.n[at] === p.n ? at + 1 : at;
}

/** The positions present in every list (the smallest drives; the others are searched forward). */
export function intersect(lists: readonly PositionList[]): PositionList {
  if (lists.length === 0) return { length: 0, time: new Float64Array(0), ms: new Float64Array(0), n: new Uint32Array(0) };
  const [driver, ...others] = [...lists].sort((a, b) => a.length - b.length) as [PositionList, ...PositionList[]];
  if (others.length === 0) return driver;
  const time = new Float64Array(driver.length);
  const ms = new Float64Array(driver.length);
  const n = new Uint32Array(driver.length);
  const cursors = others.map(() => 0);
  let length = 0;
  outer: for (let i = 0; i < driver.length; i++) {
    const p = { ms: driver.ms[i]!, n: driver.n[i]! };
    for (let j = 0; j < others.length; j++) {
      const other = others[j]!;
      const at = gallop(other, cursors[j]!, p);
      cursors[j] = at;
      if (at >= other.length) break outer;
      if (other.ms[at] !== p.ms || other.n[at] !== p.n) continue outer;
    }
    time[length] = driver.time[i]!;
    ms[length] = p.ms;
    n[length] = p.n;
    length += 1;
  }
  return { length, time: time.subarray(0, length), ms: ms.subarray(0, length), n: n.subarray(0, length) };
}

/** First index >= from whose position is at or after p: doubling steps, then a binary search. */
function gallop(list: PositionList, from: number, p: ParsedPosition): number {
  const before = (i: number) => list.ms[i]! < p.ms || (list.ms[i] === p.ms && list.n[i]! < p.n);
  if (from >= list.length || !before(from)) return from;
  let step = 1;
  let lo = from;
  let hi = from + 1;
  while (hi < list.length && before(hi)) {
    lo = hi;
    step *= 2;
    hi = Math.min(list.length, hi + step);
  }
  // before(lo) holds; the answer is in (lo, hi].
  let a = lo + 1;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (before(mid)) a = mid + 1;
    else b = mid;
  }
  return a;
}
