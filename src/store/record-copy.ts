/**
 * The copy of a record that each caller gets when a request reads the record once
 * (request-scope.ts): what structuredClone gives, made without V8's serializer when the record is
 * JSON-like — plain objects, arrays, strings, numbers, booleans, null — which is what the store's
 * records are once parsed. structuredClone spends about 6 µs on an interaction record, this about
 * 0.7 µs (bench/README.md, ninth round); a sign-in copies a few dozen of them. Anything else
 * (bytes, dates, maps, class instances, a cycle, a function) is left to structuredClone whole,
 * so it is copied, or refused, exactly as before.
 *
 * One difference, harmless for a copy: an object found twice in the record (not a cycle) is
 * copied twice, where structuredClone copies it once and refers to it twice.
 */

/** Deeper than any record: past it, a cycle is assumed and structuredClone takes over. */
const MAX_DEPTH = 64;

class NotJsonLike extends Error {}
const notJsonLike = new NotJsonLike();

export function recordCopy<T>(value: T): T {
  try {
    return jsonLikeCopy(value, 0) as T;
  } catch (err) {
    if (err === notJsonLike) return structuredClone(value);
    throw err;
  }
}

function jsonLikeCopy(value: unknown, depth: number): unknown {
  if (value === null) return null;
  const type = typeof value;
  if (type !== 'object') {
    if (type === 'function' || type === 'symbol') throw notJsonLike;
    return value;
  }
  if (depth > MAX_DEPTH) throw notJsonLike;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto === Array.prototype) {
    const list = value as unknown[];
    const copy = new Array<unknown>(list.length);
    for (let i = 0; i < list.length; i++) if (i in list) copy[i] = jsonLikeCopy(list[i], depth + 1);
    return copy;
  }
  if (proto !== Object.prototype && proto !== null) throw notJsonLike;
  const record = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    const item = jsonLikeCopy(record[key], depth + 1);
    // A "__proto__" member (JSON.parse makes one) stays a member: assigning it would set the prototype.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    else copy[key] = item;
  }
  return copy;
}
