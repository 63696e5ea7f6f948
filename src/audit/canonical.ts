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
    return `[${value
      .map((item, i) => {
        if (item === undefined) throw new TypeError(`canonical JSON: expected a JSON value at ${path}[${i}], got undefined`);
        return write(item, `${path}[${i}]`);
      })
      .join(',')}]`;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
    throw new TypeError(`canonical JSON: expected a plain object at ${path}, got an instance of ${name}`);
  }
  return objectText(objectMembers(value as Record<string, unknown>, path));
}

/** A plain object's canonical members, sorted by key: what its canonical text is made of. */
export interface CanonicalMembers {
  keys: string[];
  /** `"key":value` of each key, same order. */
  members: string[];
}

function objectMembers(record: Record<string, unknown>, path: string): CanonicalMembers {
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return { keys, members: keys.map((key) => `${JSON.stringify(key)}:${write(record[key], `${path}.${key}`)}`) };
}

function objectText({ members }: CanonicalMembers): string {
  return `{${members.join(',')}}`;
}

/**
 * canonical(record) and what it is made of, so that the same object with one more member can
 * be written without serializing the rest again (an audit event, then the event with its MAC).
 */
export function canonicalObject(record: Record<string, unknown>): { text: string; parts: CanonicalMembers } {
  const parts = objectMembers(record, '$');
  return { text: objectText(parts), parts };
}

/** canonical({ ...record, [key]: value }) from canonicalObject(record).parts, for a key record lacks. */
export function canonicalWithMember(parts: CanonicalMembers, key: string, value: unknown): string {
  if (value === undefined) return objectText(parts);
  let at = 0;
  while (at < parts.keys.length && parts.keys[at]! < key) at++;
  if (parts.keys[at] === key) throw new TypeError(`canonical JSON: expected an object without ${key}, got one with it`);
  const members = [...parts.members];
  members.splice(at, 0, `${JSON.stringify(key)}:${write(value, `$.${key}`)}`);
  return objectText({ keys: [], members });
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
