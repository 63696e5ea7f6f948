/**
 * StoreBatch over ioredis: queued writes become Redis commands run by one Lua script call
 * (BATCH_SCRIPT), which Redis executes atomically like a MULTI/EXEC. A script call is one
 * command: ioredis auto-pipelines it with the other requests' commands into one socket write,
 * where each MULTI/EXEC was a write of its own and 2 + n replies to parse (the bench showed
 * the socket writes of those transactions as the largest single cost of the token endpoint).
 * A batch (or Cluster slot group) of one command is sent as that command, without the script.
 *
 * What "atomic" means here (Redis semantics, mirrored by the memory store):
 * - Nothing is sent before exec(); the script then applies every command with no other
 *   client's command in between, so readers see all of the batch or none of it.
 * - A command failing (e.g. WRONGTYPE) does NOT roll the others back: they are applied and
 *   exec() rejects with a BatchError naming the failed commands (as EXEC would).
 *
 * - A condition (setIfEqualsWithin) is checked by the script before its first write: not met,
 *   the script writes nothing and exec() resolves with what it found. Met, its writes come
 *   last, and only when no other command failed.
 *
 * Redis Cluster: a script can only touch one hash slot, so the commands are grouped by slot
 * and each group runs as its own script call, one after the other, in the order each slot
 * first appears in the queue — the condition's slot last, and not at all when a group before
 * it failed. Atomicity across slots is impossible in Cluster; key-names.ts hash-tags
 * keys that must change together into one slot, and callers queue cross-slot writes so that
 * a partial failure is safe (indexes before the record they point to, the record last).
 */
import { ReplyError, type Cluster, type Redis } from 'ioredis';
import { BatchError, type BatchFailure } from './batch-error.ts';
import { keySlot } from './key-slot.ts';
import { runScript } from './run-script.ts';
import type { SetExpiry, StoreBatch, TimedOutcome } from './store.ts';
import { checkedPart } from './text-parts.ts';
import { checkedSetExpiry, checkedTimedAlso, finiteScore, toTtlSeconds, wholeIncrement } from './ttl.ts';

interface QueuedCommand {
  key: string;
  name: string;
  args: (string | number)[];
  /** Run only when the command before it replied a number above 0 (an EXPIRE after a SADD or HSET that added: SetExpiry 'when-added'). */
  ifPreviousAdded?: boolean;
  /** A SADD or HSET queued by addWithExpiry: its TTL and SetExpiry, which a later addition to the same key must share to join it. */
  addition?: { ttl: number | undefined; mode: SetExpiry };
}

/** The batch's own command that is not Redis's: StoreBatch.setPart, run by the script (SET_PART below). */
const SET_PART = 'SETPART';

/** The batch's condition (StoreBatch.setIfEqualsWithin) and the writes of its `also`: the script's own commands too. */
const SET_IF_EQUALS_WITHIN = 'SETIFEQUALSWITHIN';
const ALSO_SET = 'ALSOSET';
const ALSO_HASH = 'ALSOHASH';

/** Commands that only the script runs: a group of one of them is still a script call. */
const SCRIPT_ONLY = new Set([SET_PART, SET_IF_EQUALS_WITHIN, ALSO_SET, ALSO_HASH]);

/**
 * KEYS: the key of each command, in order. ARGV: for each command its name, the number of
 * its other arguments, then those arguments; a name after '?' runs only when the command
 * before it replied a number above 0 (else it is not sent at all). Returns {index, error, …}
 * for the commands that failed (1-based), nothing when all succeeded.
 *
 * SETPART key ttl index value [index value …]: parts index (0-based) of the key's text of parts
 * replaced, in order, split and joined as text-parts.ts does, the empty parts at the end left off
 * (no part left: DEL), its expiry extended as 'extend' does (a key without one gets it): GET,
 * SET, and TTL in between when the key was there (2 or 3 commands, however many parts).
 *
 * SETIFEQUALSWITHIN key expected value ttlMs withinMs (ttlMs '' for none): the condition, checked
 * before the first command as Store.setIfEqualsWithin checks (GET, and PTTL when it has a TTL);
 * not met, the script returns {0, 'set' | 'late' | 'changed'} having written nothing. Met, it is
 * SET key value KEEPTTL where it stands in the queue (last), after ALSOSET key value (SET XX
 * KEEPTTL) or ALSOHASH key field value … (DEL, HSET) right before it; the three are skipped when
 * a command before them failed.
 */
const BATCH_SCRIPT = `
local function setParts(key, ttl, first, last)
  local text = redis.pcall('GET', key)
  if type(text) == 'table' and text.err then return text end
  local parts = {}
  if text then
    local from = 1
    while true do
      local at = string.find(text, '\\n', from, true)
      if not at then
        parts[#parts + 1] = string.sub(text, from)
        break
      end
      parts[#parts + 1] = string.sub(text, from, at - 1)
      from = at + 1
    end
  end
  for j = first, last, 2 do
    local index = tonumber(ARGV[j])
    for i = #parts + 1, index do parts[i] = '' end
    parts[index + 1] = ARGV[j + 1]
  end
  while #parts > 0 and parts[#parts] == '' do parts[#parts] = nil end
  if #parts == 0 then return redis.call('DEL', key) end
  if text then
    local left = redis.call('TTL', key)
    if left >= ttl then return redis.call('SET', key, table.concat(parts, '\\n'), 'KEEPTTL') end
  end
  return redis.call('SET', key, table.concat(parts, '\\n'), 'EX', ttl)
end

local a = 1
for i = 1, #KEYS do
  if ARGV[a] == 'SETIFEQUALSWITHIN' then
    local current = redis.call('GET', KEYS[i])
    if current == ARGV[a + 3] then return {0, 'set'} end
    if current ~= ARGV[a + 2] then return {0, 'changed'} end
    if ARGV[a + 4] ~= '' then
      local left = redis.call('PTTL', KEYS[i])
      if left >= 0 and tonumber(ARGV[a + 4]) - left > tonumber(ARGV[a + 5]) then return {0, 'late'} end
    end
  end
  a = a + 2 + tonumber(ARGV[a + 1])
end

local failures = {}
local previous
a = 1
for i = 1, #KEYS do
  local name = ARGV[a]
  local n = tonumber(ARGV[a + 1])
  local run = true
  if string.sub(name, 1, 1) == '?' then
    name = string.sub(name, 2)
    run = type(previous) == 'number' and previous > 0
  end
  local reply = nil
  if name == 'SETIFEQUALSWITHIN' or name == 'ALSOSET' or name == 'ALSOHASH' then
    if #failures == 0 then
      if name == 'ALSOHASH' then
        redis.call('DEL', KEYS[i])
        reply = redis.pcall('HSET', KEYS[i], unpack(ARGV, a + 2, a + 1 + n))
      elseif name == 'ALSOSET' then
        reply = redis.pcall('SET', KEYS[i], ARGV[a + 2], 'XX', 'KEEPTTL')
      else
        reply = redis.pcall('SET', KEYS[i], ARGV[a + 3], 'KEEPTTL')
      end
      if type(reply) == 'table' and reply.err then
        failures[#failures + 1] = i
        failures[#failures + 1] = reply.err
      end
    end
  elseif run and name == 'SETPART' then
    reply = setParts(KEYS[i], tonumber(ARGV[a + 2]), a + 3, a + 1 + n)
    if type(reply) == 'table' and reply.err then
      failures[#failures + 1] = i
      failures[#failures + 1] = reply.err
    end
  elseif run then
    local command = { name, KEYS[i] }
    for j = 1, n do command[j + 2] = ARGV[a + 1 + j] end
    reply = redis.pcall(unpack(command))
    if type(reply) == 'table' and reply.err then
      failures[#failures + 1] = i
      failures[#failures + 1] = reply.err
    end
  end
  a = a + 2 + n
  previous = reply
end
return failures
`;

export function createRedisBatch(redis: Redis | Cluster): StoreBatch {
  const queue: QueuedCommand[] = [];
  let executed = false;
  /** The condition's key (setIfEqualsWithin), once queued. */
  let conditionKey: string | undefined;
  /** Each key's last queued command other than an EXPIRE (joinableAddition). */
  const lastWrite = new Map<string, QueuedCommand>();
  const queueCommand = (command: QueuedCommand) => {
    if (executed) throw new Error('store batch: expected a new batch, got one that was already executed');
    if (conditionKey !== undefined) throw new Error(`store batch: expected setIfEqualsWithin queued last, got ${command.name} ${command.key} after it`);
    queue.push(command);
    if (command.name !== 'EXPIRE') lastWrite.set(command.key, command);
  };
  const push = (name: string, key: string, ...rest: (string | number)[]) => queueCommand({ key, name, args: rest });
  /**
   * The SADD (HSET) that `key`'s last queued write is, when it was queued by addWithExpiry with
   * the same TTL and expiry, followed only by that expiry's EXPIREs: an addition to the key can
   * join it. Its result is the same (the same members or fields, the same expiry from the same
   * TTL) with one command and one EXPIRE fewer: a token request lists the access token and the
   * refresh token it saves together in their grant's index (token-consumption.ts).
   */
  const joinableAddition = (name: 'SADD' | 'HSET', key: string, ttl: number | undefined, mode: SetExpiry): QueuedCommand | undefined => {
    const last = lastWrite.get(key);
    const addition = last?.addition;
    return last?.name === name && addition !== undefined && addition.ttl === ttl && addition.mode === mode ? last : undefined;
  };
  /** SADD or HSET (both reply how many they added), then the key's expiry as SetExpiry says; nothing to add, nothing sent (the TTL and expiry still checked). */
  const addWithExpiry = (name: 'SADD' | 'HSET', key: string, args: string[], ttlSeconds: number | undefined, expiry: SetExpiry) => {
    const ttl = toTtlSeconds(ttlSeconds);
    const mode = checkedSetExpiry(expiry);
    if (args.length === 0) return;
    const joined = executed ? undefined : joinableAddition(name, key, ttl, mode);
    if (joined) {
      joined.args.push(...args);
      return;
    }
    queueCommand({ key, name, args, addition: { ttl, mode } });
    if (ttl === undefined) return;
    if (mode === 'restart') push('EXPIRE', key, ttl);
    // Right after its SADD (HSET), also on Cluster (a slot's group keeps the queue's order).
    else if (mode === 'when-added') queueCommand({ key, name: 'EXPIRE', args: [ttl], ifPreviousAdded: true });
    else {
      // EXPIRE GT treats "no TTL" as infinite, so first give a fresh key a TTL (NX),
      // then only ever lengthen it (GT).
      push('EXPIRE', key, ttl, 'NX');
      push('EXPIRE', key, ttl, 'GT');
    }
  };

  const batch: StoreBatch = {
    set(key, value, ttlSeconds) {
      const ttl = toTtlSeconds(ttlSeconds);
      if (ttl === undefined) push('SET', key, value);
      else push('SET', key, value, 'EX', ttl);
      return batch;
    },
    hsetAll(key, fields, ttlSeconds) {
      const ttl = toTtlSeconds(ttlSeconds);
      const flat = Object.entries(fields).flat();
      push('DEL', key);
      if (flat.length === 0) return batch; // a hash without fields does not exist
      push('HSET', key, ...flat);
      if (ttl !== undefined) push('EXPIRE', key, ttl);
      return batch;
    },
    sadd(key, members, ttlSeconds, expiry = 'extend') {
      addWithExpiry('SADD', key, [...members], ttlSeconds, expiry);
      return batch;
    },
    srem(key, members) {
      if (members.length > 0) push('SREM', key, ...members);
      return batch;
    },
    hset(key, fields, ttlSeconds, expiry = 'extend') {
      const flat = Object.entries(fields).flat();
      addWithExpiry('HSET', key, flat, ttlSeconds, expiry);
      return batch;
    },
    hdel(key, fields) {
      if (fields.length > 0) push('HDEL', key, ...fields);
      return batch;
    },
    unionStore(dest, sources, ttlSeconds) {
      const ttl = toTtlSeconds(ttlSeconds);
      if (ttl === undefined) throw new RangeError('store batch unionStore: expected a TTL, got none');
      // The script declares dest only: Redis runs it on dest's node, which holds the sources only when they share its slot.
      if (redis.isCluster && sources.some((source) => keySlot(source) !== keySlot(dest))) {
        throw new Error(`store batch unionStore: expected sets in the hash slot of ${dest} on Redis Cluster, got sets of other slots`);
      }
      push('SUNIONSTORE', dest, ...sources);
      push('EXPIRE', dest, ttl);
      return batch;
    },
    hincrby(key, field, by) {
      push('HINCRBY', key, field, wholeIncrement(by));
      return batch;
    },
    setPart(key, index, value, ttlSeconds) {
      const ttl = toTtlSeconds(ttlSeconds);
      if (ttl === undefined) throw new RangeError('store batch setPart: expected a TTL, got none');
      checkedPart(index, value);
      // Right after another part of the same key: one SETPART, one read and one write of the key
      // (each part's expiry extended as 'extend' does: together, to the longest).
      const last = queue.at(-1);
      if (last?.name === SET_PART && last.key === key && !executed) {
        last.args[0] = Math.max(Number(last.args[0]), ttl);
        last.args.push(index, value);
      } else push(SET_PART, key, ttl, index, value);
      return batch;
    },
    del(...keys) {
      for (const key of keys) push('DEL', key);
      return batch;
    },
    zadd(key, score, member) {
      push('ZADD', key, finiteScore(score), member);
      return batch;
    },
    setIfEqualsWithin(key, { expected, value, ttlSeconds, withinMs }, unchecked) {
      if (conditionKey !== undefined) {
        throw new Error(`store batch setIfEqualsWithin: expected one condition per batch, got a second one (${key} after ${conditionKey})`);
      }
      const ttl = toTtlSeconds(ttlSeconds);
      const also = checkedTimedAlso(unchecked);
      // Its slot's group runs it with its `also`: on Cluster both must share that slot.
      if (also && redis.isCluster && keySlot(also.key) !== keySlot(key)) {
        throw new Error(`store batch setIfEqualsWithin: expected ${also.key} in the hash slot of ${key} on Redis Cluster, got another slot`);
      }
      if (also && 'hash' in also) push(ALSO_HASH, also.key, ...Object.entries(also.hash).flat());
      else if (also) push(ALSO_SET, also.key, also.value);
      push(SET_IF_EQUALS_WITHIN, key, expected, value, ttl === undefined ? '' : ttl * 1000, Math.max(0, Math.round(withinMs)));
      // Last in the queue: nothing may follow it (queueCommand).
      conditionKey = key;
      return batch;
    },
    async exec() {
      if (executed) throw new Error('store batch: expected exec() once, got a second call');
      executed = true;
      if (queue.length === 0) return 'set';
      const groups = redis.isCluster ? conditionLast(groupBySlot(queue)) : [queue];
      const failures: BatchFailure[] = [];
      for (const group of groups) {
        const conditional = group.some((command) => command.name === SET_IF_EQUALS_WITHIN);
        // What the condition makes count was not all written: it is not written either.
        if (conditional && failures.length > 0) break;
        const result = await execGroup(redis, group);
        if (typeof result === 'string') return result;
        failures.push(...result);
      }
      if (failures.length > 0) throw new BatchError(failures, queue.length);
      return 'set';
    },
  };
  return batch;
}

/** The groups, the one with the batch's condition moved last (its slot is written after the others). */
function conditionLast(groups: QueuedCommand[][]): QueuedCommand[][] {
  const at = groups.findIndex((group) => group.some((command) => command.name === SET_IF_EQUALS_WITHIN));
  return at < 0 ? groups : [...groups.slice(0, at), ...groups.slice(at + 1), groups[at]!];
}

function groupBySlot(queue: QueuedCommand[]): QueuedCommand[][] {
  const groups = new Map<number, QueuedCommand[]>();
  for (const command of queue) {
    const slot = keySlot(command.key);
    const group = groups.get(slot);
    if (group) group.push(command);
    else groups.set(slot, [command]);
  }
  return [...groups.values()];
}

/** The group's failures; or, when its condition was not met (or already set), what the script found, having written nothing. */
async function execGroup(redis: Redis | Cluster, group: QueuedCommand[]): Promise<BatchFailure[] | TimedOutcome> {
  // A '?' command always follows its SADD in the same group, so a group of one is never one; SETPART and the condition are the script's own.
  if (group.length === 1 && !SCRIPT_ONLY.has(group[0]!.name)) return execAlone(redis, group[0]!);
  const argv = group.flatMap((command) => [command.ifPreviousAdded ? `?${command.name}` : command.name, command.args.length, ...command.args]);
  // EVALSHA, not a custom command: see run-script.ts (Cluster routing).
  const reply = (await runScript(
    redis,
    BATCH_SCRIPT,
    group.map((c) => c.key),
    argv,
  )) as (number | string)[];
  if (reply[0] === 0) return reply[1] as TimedOutcome;
  const failures: BatchFailure[] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const command = group[Number(reply[i]) - 1];
    if (command) failures.push({ command: command.name, key: command.key, message: String(reply[i + 1]) });
  }
  return failures;
}

/**
 * A group of one command is sent as itself: a single command is atomic on its own, and the
 * script call around it would be a second command (a record saved whole is one SET with its TTL).
 * Its error reply is reported like the script's; a connection error is thrown, as the script's is.
 */
async function execAlone(redis: Redis | Cluster, command: QueuedCommand): Promise<BatchFailure[]> {
  try {
    await redis.call(command.name, command.key, ...command.args);
    return [];
  } catch (err) {
    if (!(err instanceof ReplyError)) throw err;
    return [{ command: command.name, key: command.key, message: (err as Error).message }];
  }
}
