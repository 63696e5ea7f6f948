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
  if (!match || ms > MAX_MS || n > MAX_N)
    throw new TypeError(`audit position: expected a stream id "ms-n" (e.g. "1733310000000-0"), got ${JSON.stringify(String(text).slice(0, 40))}`);
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

/**
 * Sorted positions read by index, whatever holds them: a decoded list, a run of raw index
 * entries, or several of those one after the other (searches page and count through this).
 */
export interface SortedPositions {
  readonly length: number;
  msAt(i: number): number;
  nAt(i: number): number;
}

export function listView(list: PositionList): SortedPositions {
  return { length: list.length, msAt: (i) => list.ms[i]!, nAt: (i) => list.n[i]! };
}

/** Position of the raw entry number `i` of an index key's value. */
export function entryMs(buffer: Buffer, i: number): number {
  return buffer.readUInt16BE(i * ENTRY_BYTES + 6) * 2 ** 32 + buffer.readUInt32BE(i * ENTRY_BYTES + 8);
}

export function entryN(buffer: Buffer, i: number): number {
  return buffer.readUInt32BE(i * ENTRY_BYTES + 12);
}

/** The raw entries of an index key's value whose position lies between `lowest` and `highest` (both included). */
export function bufferView(buffer: Buffer, lowest?: ParsedPosition, highest?: ParsedPosition): SortedPositions {
  const all: SortedPositions = { length: Math.floor(buffer.length / ENTRY_BYTES), msAt: (i) => entryMs(buffer, i), nAt: (i) => entryN(buffer, i) };
  const start = lowest ? lowerBound(all, lowest) : 0;
  const end = highest ? upperBound(all, highest) : all.length;
  return { length: Math.max(0, end - start), msAt: (i) => entryMs(buffer, start + i), nAt: (i) => entryN(buffer, start + i) };
}

/** Several sorted runs, each entirely before the next, read as one. */
export function concatView(parts: readonly SortedPositions[]): SortedPositions {
  const starts: number[] = [];
  let length = 0;
  for (const part of parts) {
    starts.push(length);
    length += part.length;
  }
  const locate = (i: number): [SortedPositions, number] => {
    let lo = 0;
    let hi = parts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return [parts[lo]!, i - starts[lo]!];
  };
  return {
    length,
    msAt: (i) => {
      const [part, j] = locate(i);
      return part.msAt(j);
    },
    nAt: (i) => {
      const [part, j] = locate(i);
      return part.nAt(j);
    },
  };
}

/** Index of the first position at or after `p` (length when none). */
export function lowerBound(list: SortedPositions, p: ParsedPosition, from = 0): number {
  let lo = from;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const ms = list.msAt(mid);
    if (ms < p.ms || (ms === p.ms && list.nAt(mid) < p.n)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first position after `p`. */
export function upperBound(list: SortedPositions, p: ParsedPosition): number {
  const at = lowerBound(list, p);
  return at < list.length && list.msAt(at) === p.ms && list.nAt(at) === p.n ? at + 1 : at;
}

/**
 * First index >= from of a sorted list whose position is at or after p: doubling steps from
 * `from`, then a binary search (cheap when the answer is near, as in a merge).
 */
export function gallop(list: SortedPositions, from: number, p: ParsedPosition): number {
  const before = (i: number) => {
    const ms = list.msAt(i);
    return ms < p.ms || (ms === p.ms && list.nAt(i) < p.n);
  };
  if (from >= list.length || !before(from)) return from;
  let step = 1;
  let lo = from;
  let hi = from + 1;
  while (hi < list.length && before(hi)) {
    lo = hi;
    step *= 2;
    hi = Math.min(list.length, hi + step);
  }
  // before(lo) holds, and hi is the end or not before p: the answer is in (lo, hi].
  return lowerBound({ length: hi, msAt: list.msAt, nAt: list.nAt }, p, lo + 1);
}
