/**
 * StoreBatch over ioredis: queued writes become Redis commands sent in one MULTI/EXEC.
 *
 * What "atomic" means here (Redis semantics, mirrored by the memory store):
 * - Nothing is sent before exec(); EXEC then applies every command with no other client's
 *   command in between, so readers see all of the batch or none of it.
 * - A command rejected while queueing (syntax, OOM) aborts the whole transaction (EXECABORT).
 * - A command failing while executing (e.g. WRONGTYPE) does NOT roll the others back: they
 *   are applied and exec() rejects with a BatchError naming the failed commands.
 *
 * Redis Cluster: a MULTI can only touch one hash slot, so the commands are grouped by slot
 * and each group runs as its own MULTI, one after the other, in the order each slot first
 * appears in the queue. Atomicity across slots is impossible in Cluster; keys.ts hash-tags
 * keys that must change together into one slot, and callers queue cross-slot writes so that
 * a partial failure is safe (indexes before the record they point to, the record last).
 */
import type { Cluster, Redis } from 'ioredis';
import { BatchError, type BatchFailure } from './batch-error.ts';
import { keySlot } from './key-slot.ts';
import type { StoreBatch } from './store.ts';
import { toTtlSeconds, wholeIncrement } from './ttl.ts';

interface QueuedCommand {
  key: string;
  name: string;
  args: (string | number)[];
}

export function createRedisBatch(redis: Redis | Cluster): StoreBatch {
  const queue: QueuedCommand[] = [];
  let executed = false;
  const push = (name: string, key: string, ...rest: (string | number)[]) => {
    if (executed) throw new Error('store batch: expected a new batch, got one that was already executed');
    queue.push({ key, name, args: [key, ...rest] });
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
    sadd(key, members, ttlSeconds) {
      const ttl = toTtlSeconds(ttlSeconds);
      if (members.length === 0) return batch;
      push('SADD', key, ...members);
      if (ttl !== undefined) {
        // EXPIRE GT treats "no TTL" as infinite, so first give a fresh set a TTL (NX),
        // then only ever lengthen it (GT).
        push('EXPIRE', key, ttl, 'NX');
        push('EXPIRE', key, ttl, 'GT');
      }
      return batch;
    },
    srem(key, members) {
      if (members.length > 0) push('SREM', key, ...members);
      return batch;
    },
    hincrby(key, field, by) {
      push('HINCRBY', key, field, wholeIncrement(by));
      return batch;
    },
    del(...keys) {
      for (const key of keys) push('DEL', key);
      return batch;
    },
    async exec() {
      if (executed) throw new Error('store batch: expected exec() once, got a second call');
      executed = true;
      if (queue.length === 0) return;
      const groups = redis.isCluster ? groupBySlot(queue) : [queue];
      const failures: BatchFailure[] = [];
      for (const group of groups) failures.push(...await execGroup(redis, group));
      if (failures.length > 0) throw new BatchError(failures, queue.length);
    },
  };
  return batch;
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

async function execGroup(redis: Redis | Cluster, group: QueuedCommand[]): Promise<BatchFailure[]> {
  const multi = redis.multi();
  for (const command of group) multi.call(command.name, ...command.args);
  const results = await multi.exec();
  if (results === null) throw new Error('store batch: expected EXEC results, got null (transaction aborted)');
  const failures: BatchFailure[] = [];
  results.forEach(([error], index) => {
    const command = group[index];
    if (error && command) failures.push({ command: command.name, key: command.key, message: error.message });
  });
  return failures;
}
