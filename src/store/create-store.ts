/**
 * Picks the Store for the configuration: Redis when a url, sentinels or cluster nodes are
 * set, otherwise the in-memory store (the caller warns loudly; production refuses it), and
 * returns with it the Redis client for the parts that need Redis itself (the audit stream).
 */
import type { Cluster, Redis } from 'ioredis';
import { createMemoryStore } from './memory-store.ts';
import { createRedisConnection, type RedisConnectionOptions, type StoreLogger } from './redis-connection.ts';
import { createRedisStore } from './redis-store.ts';
import type { Store } from './store.ts';

export function createBackend(config: RedisConnectionOptions, logger?: StoreLogger): { store: Store; redis?: Redis | Cluster } {
  if (config.url || config.sentinels || config.clusterNodes) {
    const redis = createRedisConnection(config, logger);
    return { store: createRedisStore(redis), redis };
  }
  return { store: createMemoryStore() };
}
