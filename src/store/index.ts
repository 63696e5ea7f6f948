/**
 * Public face of the storage layer: the Store (Redis or memory), key naming, the Redis
 * connection and the oidc-provider adapter factory.
 */
export type { SetExpiry, Store, StoreBatch } from './store.ts';
export { createKeyNames, type KeyNames } from './key-names.ts';
export { createBackend } from './create-store.ts';
export { createRedisStore } from './redis-store.ts';
export { createMemoryStore, type MemoryStoreOptions } from './memory-store.ts';
export { createRedisConnection, type RedisConnectionOptions, type StoreLogger } from './redis-connection.ts';
export { createAdapterFactory, GRANTABLE_MODELS } from './oidc-adapter.ts';
export { legacyLayoutsUntil, legacyRecordsUntil } from './legacy-records.ts';
export type { Adapter, AdapterFactory, AdapterPayload } from './adapter-types.ts';
export { BatchError, type BatchFailure } from './batch-error.ts';
export { StoredRecordError } from './adapter-record.ts';
export { WrongTypeError } from './memory-keyspace.ts';
export { StoreUnavailableError, isStoreUnavailable, outageCause, withUnavailableErrors } from './unavailable.ts';
export { STORE_ANSWER_MS, StoreDeadlineError } from './answer-deadline.ts';
export { storeScopePerRequest, asOneRequest } from './request-scope.ts';
