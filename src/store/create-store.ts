/**
 * Picks the Store for the configuration: Redis when a url, sentinels or cluster nodes are
 * set, otherwise the in-memory store (the caller warns loudly; production refuses it).
 */
import { createMemoryStore } from './memory-store.ts';
import { createRedisConnection, type RedisConnectionOptions, type StoreLogger } from './redis-connection.ts';
import { createRedisStore } from './redis-store.ts';
import type { Store } from './store.ts';

export function createStore(config: RedisConnectionOptions, logger?: StoreLogger): Store {
  if (config.url || config.sentinels || config.clusterNodes) {
    return createRedisStore(createRedisConnection(config, logger));
  }
  return createMemoryStore();
}
