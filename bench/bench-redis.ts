/**
 * A Redis bench's start and end: its options read, then BENCH_REDIS_URL (default
 * redis://127.0.0.1:6379) reached over the gateway's own connection settings; its keys under a
 * prefix of its own, deleted at the end unless --keep.
 */
import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { createRedisConnection } from '../src/store/index.ts';
import { redactUrl } from '../src/store/redis-target.ts';
import { deletePrefix } from '../test/support/redis.ts';
import { note, readOptions } from './cli.ts';

export interface BenchRedis {
  url: string;
  /** `hcbench:<area>:<pid>:<random>:` */
  prefix: string;
  /** The gateway's own connection settings (auto-pipelining included), as in production. */
  redis: Redis | Cluster;
}

/**
 * A bench's start: its options read (readOptions), then its Redis connected and answering
 * PING; or the exit code to return at once: 0 after --help, 2 on a bad option, 1 when Redis
 * does not answer (`<bench> bench: cannot reach Redis at …` on stderr).
 */
export async function startBench<T>(
  bench: string,
  area: string,
  usage: string,
  parse: (argv: string[]) => T | 'help',
): Promise<(BenchRedis & { opts: T }) | number> {
  const opts = readOptions(bench, usage, parse);
  if (typeof opts === 'number') return opts;
  const url = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `hcbench:${area}:${process.pid}:${randomBytes(4).toString('hex')}:`;
  const redis = createRedisConnection({ url });
  try {
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    note(`${bench} bench: cannot reach Redis at ${redactUrl(url)} (BENCH_REDIS_URL): ${(err as Error).message}`);
    return 1;
  }
  return { opts, url, prefix, redis };
}

/** Deletes the bench's keys (SCAN + UNLINK), or with --keep says where they are and how to delete them. */
export async function releasePrefix({ url, prefix }: Pick<BenchRedis, 'url' | 'prefix'>, keep: boolean): Promise<void> {
  if (keep) note(`--keep: keys left under ${prefix} (delete with: redis-cli --scan --pattern '${prefix}*' | xargs -r redis-cli unlink)`);
  else await deletePrefix(prefix, url);
}
