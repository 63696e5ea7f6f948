/**
 * The bound of what a process keeps in memory across requests (recent accounts, WebAuthn user
 * handles, token expiries, session ids): a Map whose insertion order is the order of storing, so
 * that the entry stored longest ago goes first once there are more than `max`.
 *
 * A string key or value is kept as a copy of its own: V8 makes a substring of 13 characters or
 * more (a token id cut out of a request's body by the query-string parser, a session id cut out
 * of its record's text) a view of the whole string, which the map would otherwise keep alive for
 * as long as the entry, a request body or a record of a kilobyte behind each 43-character id.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key); // stored again: last in the order
  map.set(ownCopy(key), ownCopy(value));
  if (map.size > max) map.delete(map.keys().next().value!);
}

/** Below this length V8 copies a substring rather than pointing into the string it came from. */
const SHORTEST_VIEW = 13;

/** `value` itself, or for a string long enough to be a view into another, a copy that holds its characters only. */
export function ownCopy<T>(value: T): T {
  if (typeof value !== 'string' || value.length < SHORTEST_VIEW) return value;
  // Parsing a JSON string literal makes a new string; a slice or a concatenation may not.
  return JSON.parse(JSON.stringify(value)) as T;
}
