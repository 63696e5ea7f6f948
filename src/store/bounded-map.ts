/**
 * The bound of what a process keeps in memory across requests (recent accounts, WebAuthn user
 * handles, token expiries): a Map whose insertion order is the order of storing, so that the
 * entry stored longest ago goes first once there are more than `max`.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key); // stored again: last in the order
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value!);
}
