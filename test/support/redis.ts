/**
 * Test access to a real Redis without trampling anyone's data: each test file gets its
 * own key prefix (`hctest:<name>:<pid>:<random>:`) and deletes its keys when done.
 * TEST_REDIS_URL (or REDIS_URL) picks the server; default redis://127.0.0.1:6379.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniquePrefix(name: string): string {
  return `hctest:${name}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under the prefix (SCAN + UNLINK, never KEYS or FLUSHDB). */
export async function deletePrefix(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
