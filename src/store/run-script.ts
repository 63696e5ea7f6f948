/**
 * Runs a Lua script whose number of keys varies from call to call: EVALSHA, and EVAL once on
 * NOSCRIPT (a restarted or failed-over node). Not an ioredis custom command: auto-pipelining on
 * a Cluster routes a command by its first key, which ioredis finds in EVALSHA's arguments but
 * not in those of a custom command without a fixed number of keys (it took the count for the
 * key, and a pipeline mixing nodes failed: "All keys in the pipeline should belong to the same
 * slots allocation group").
 */
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

const shas = new Map<string, string>();

export async function runScript(redis: Redis | Cluster, source: string, keys: string[], args: (string | number)[]): Promise<unknown> {
  let sha = shas.get(source);
  if (!sha) {
    sha = createHash('sha1').update(source).digest('hex');
    shas.set(source, sha);
  }
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return redis.eval(source, keys.length, ...keys, ...args);
  }
}
