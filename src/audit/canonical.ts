/**
 * Canonical JSON: the exact bytes an audit MAC covers. Object keys sorted (code-unit order)
 * at every depth, undefined members left out, no whitespace; only JSON values are accepted.
 */

/** A value canonical() accepts: what JSON can carry (undefined object members are skipped). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue | undefined };

/**
 * Serializes `value` canonically. Throws a TypeError naming the path when a value has no
 * single JSON form (NaN, Infinity, bigint, function, symbol, undefined in an array, a class
 * instance such as Date): the MAC must cover exactly what is stored and read back.
 */
export function canonical(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON: expected a finite number at ${path}, got ${String(value)}`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`canonical JSON: expected a JSON value at ${path}, got ${typeof value}`);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item, i) => {
      if (item === undefined) throw new TypeError(`canonical JSON: expected a JSON value at ${path}[${i}], got undefined`);
      return write(item, `${path}[${i}]`);
    }).join(',')}]`;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
    throw new TypeError(`canonical JSON: expected a plain object at ${path}, got an instance of ${name}`);
  }
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${write(record[key], `${path}.${key}`)}`);
  return `{${members.join(',')}}`;
}

/**
 * The JSON round trip of `value` (what storing then reading it gives back): undefined members
 * dropped, Dates turned into strings, NaN into null. Events are normalized this way before
 * their MAC is computed, so the stored and re-read event verifies.
 */
export function toJsonValue<T>(value: T): T {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError(`audit event: expected a JSON-serializable value, got ${typeof value}`);
  return JSON.parse(text) as T;
}
