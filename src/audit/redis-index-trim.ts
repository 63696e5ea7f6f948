/**
 * After retention trims the audit stream, drops the index keys whose every entry is now
 * before the first kept event (a key's entries are in trail order: its last one decides).
 * Only the months up to the first kept event's can hold such keys. Keys that still hold kept
 * events are left whole: searches ignore entries before the oldest kept event anyway.
 */
import type { Cluster, Redis } from 'ioredis';
import type { KeyNames } from '../store/key-names.ts';
import { auditIndexKeys, generationOf, monthOf } from './index-keys.ts';
import { parsePosition, type AuditPosition } from './positions.ts';

/** Keys looked at per script call. */
const BATCH = 500;

// KEYS: 1 the month's registry, 2 the months set, then candidate keys. ARGV: kept ms, kept n, month.
// Checks each key's last entry inside the script, so that an event recorded meanwhile into an
// old month (a late event) is never dropped. Returns how many keys went.
const DROP_SCRIPT = `
local keptMs, keptN = tonumber(ARGV[1]), tonumber(ARGV[2])
local dropped = 0
for i = 3, #KEYS do
  local last = redis.call('GETRANGE', KEYS[i], -16, -1)
  local stale = #last < 16
  if not stale then
    local ms, n = struct.unpack('>I6I4', last, 7)
    stale = ms < keptMs or (ms == keptMs and n < keptN)
  end
  if stale then
    redis.call('DEL', KEYS[i])
    redis.call('SREM', KEYS[1], KEYS[i])
    dropped = dropped + 1
  end
end
if redis.call('SCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[3])
end
return dropped
`;

/** Drops the index keys of the current generation that hold only events before `firstKept`. Resolves with the count dropped. */
export async function dropTrimmedIndex(redis: Redis | Cluster, keyNames: KeyNames, firstKept: AuditPosition): Promise<number> {
  const ix = auditIndexKeys(keyNames);
  const kept = parsePosition(firstKept);
  const gen = generationOf(await redis.get(ix.genKey));
  const months = (await redis.smembers(ix.months(gen))).filter((m) => m <= monthOf(kept.ms)).sort();
  let dropped = 0;
  for (const month of months) {
    const registry = ix.registry(gen, month);
    const names = await redis.smembers(registry);
    for (let i = 0; i < Math.max(1, names.length); i += BATCH) {
      const batch = names.slice(i, i + BATCH);
      dropped += Number(await redis.eval(DROP_SCRIPT, 2 + batch.length, registry, ix.months(gen), ...batch, String(kept.ms), String(kept.n), month));
    }
  }
  return dropped;
}
