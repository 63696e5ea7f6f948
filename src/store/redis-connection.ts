/**
 * Opens the ioredis client for the configured topology: a redis:// / rediss:// URL,
 * Sentinel (sentinels + sentinelName) or Cluster (clusterNodes), with fail-fast requests,
 * every command answered within STORE_ANSWER_MS of being issued (deadline-client.ts),
 * endless bounded-backoff reconnection and connection events logged without credentials.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { STORE_ANSWER_MS } from './answer-deadline.ts';
import { withAnswerDeadlines } from './deadline-client.ts';
import { parseHostList, redactUrl, urlCredentials } from './redis-target.ts';

export interface RedisConnectionOptions {
  /** redis:// or rediss:// URL. Alone it is the server; with sentinels or clusterNodes only its
   * username, password and TLS (rediss://) are used. */
  url?: string;
  /** Sentinel mode: "host:port,host:port" of the sentinels. Needs sentinelName. */
  sentinels?: string;
  /** Name of the master group the sentinels watch. */
  sentinelName?: string;
  /** Cluster mode: "host:port,host:port" seed nodes. */
  clusterNodes?: string;
}

/** pino-compatible subset: (fields, message). */
export interface StoreLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const silent: StoreLogger = { info() {}, warn() {}, error() {} };

/** Reconnection delay: 100 ms, 200 ms, ... capped at 1 s, retrying forever. */
export function retryDelay(attempt: number): number {
  return Math.min(attempt * 100, 1000);
}

/** Options of every connection to a Redis node (cluster nodes included). */
const nodeOptions = {
  enableAutoPipelining: true,
  // A request waits for at most 2 reconnection attempts, then fails (no hanging during an outage).
  maxRetriesPerRequest: 2,
  connectTimeout: 5000,
  // A server that stopped answering (frozen, network partition) fails a command sent to it
  // after 3 s; deadline-client.ts bounds the wait from when it was issued (queued included).
  commandTimeout: STORE_ANSWER_MS,
} satisfies RedisOptions;

/** How often the READONLY reconnection is logged at most (a replica answers every write so). */
const READONLY_LOG_EVERY_MS = 60_000;

/**
 * After a failover the old master turns replica and answers writes with READONLY: reconnect
 * to reach the new master (Sentinel asks the sentinels again), saying so in one warning a
 * minute at most.
 */
function reconnectOnReadonly(logger: StoreLogger, target: string): (error: Error) => boolean {
  let loggedAt = -Infinity;
  return (error) => {
    if (!error.message.startsWith('READONLY')) return false;
    if (Date.now() - loggedAt >= READONLY_LOG_EVERY_MS) {
      loggedAt = Date.now();
      logger.warn(
        { redis: target, detail: error.message.slice(0, 200) },
        'redis answered READONLY (a replica, e.g. after a failover): reconnecting to reach the master',
      );
    }
    return true;
  };
}

/**
 * Single server and Sentinel: once connected, a request made while the connection is down
 * fails at once (503) instead of waiting for reconnection attempts (up to connectTimeout each
 * when the network drops packets). Before the first connection requests queue as usual, so
 * that commands sent right after creating the client wait for it. Cluster keeps its queue:
 * its node connections open lazily after each slot refresh.
 */
function failFastOnceConnected(client: Redis): Redis {
  client.once('ready', () => {
    client.options.enableOfflineQueue = false;
  });
  return client;
}

export function createRedisConnection(options: RedisConnectionOptions, logger: StoreLogger = silent): Redis | Cluster {
  const { url, sentinels, sentinelName, clusterNodes } = options;
  if (sentinels && clusterNodes) {
    throw new Error('redis: expected either sentinels or clusterNodes, got both (REDIS_SENTINELS and REDIS_CLUSTER_NODES)');
  }
  const credentials = url ? urlCredentials(url) : { tls: false };
  const auth = {
    ...(credentials.username ? { username: credentials.username } : {}),
    ...(credentials.password ? { password: credentials.password } : {}),
    ...(credentials.tls ? { tls: {} } : {}),
  };

  if (clusterNodes) {
    const nodes = parseHostList(clusterNodes, 'redis clusterNodes (REDIS_CLUSTER_NODES)');
    // maxRetriesPerRequest bounds requests sent to a node; requests queued while the Cluster
    // itself reconnects are rejected when a reconnection attempt fails (about 100 ms).
    const clusterOptions: ClusterOptions = {
      enableAutoPipelining: true,
      // The store's scripts with a varying number of keys go as EVALSHA (run-script.ts), which
      // auto-pipelining routes by their first key: commands for different masters never share a pipeline.
      clusterRetryStrategy: retryDelay,
      redisOptions: { ...nodeOptions, reconnectOnError: reconnectOnReadonly(logger, `cluster ${clusterNodes}`), ...auth },
    };
    return withAnswerDeadlines(watch(new Cluster(nodes, clusterOptions), `cluster ${clusterNodes}`, logger));
  }

  if (sentinels) {
    if (!sentinelName) {
      throw new Error('redis: expected sentinelName (REDIS_SENTINEL_NAME) with sentinels, got none');
    }
    const target = `sentinel ${sentinels} master ${sentinelName}`;
    const client = new Redis({
      ...nodeOptions,
      reconnectOnError: reconnectOnReadonly(logger, target),
      retryStrategy: retryDelay,
      ...auth,
      sentinels: parseHostList(sentinels, 'redis sentinels (REDIS_SENTINELS)'),
      name: sentinelName,
      sentinelRetryStrategy: retryDelay,
      // rediss:// means TLS everywhere: to the master and to the sentinels.
      ...(credentials.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
    });
    return withAnswerDeadlines(watch(failFastOnceConnected(client), target, logger));
  }

  if (!url) throw new Error('redis: expected url, sentinels or clusterNodes, got none of them');
  urlCredentials(url); // validates the scheme with a clear message before ioredis parses it
  const target = redactUrl(url);
  return withAnswerDeadlines(
    watch(
      failFastOnceConnected(new Redis(url, { ...nodeOptions, reconnectOnError: reconnectOnReadonly(logger, target), retryStrategy: retryDelay })),
      target,
      logger,
    ),
  );
}

/**
 * Logs the connection life-cycle without flooding during an outage: one line when the
 * connection is lost, each distinct error once, one line when it is ready again.
 */
function watch<T extends Redis | Cluster>(client: T, target: string, logger: StoreLogger): T {
  let up = false;
  let lastError = '';
  client.on('ready', () => {
    up = true;
    lastError = '';
    logger.info({ redis: target }, 'redis ready');
  });
  client.on('error', (error: Error) => {
    if (error.message === lastError) return;
    lastError = error.message;
    logger.error({ redis: target, err: error.message }, 'redis error');
  });
  // 'reconnecting' (not 'close'): a deliberate quit() closes without reconnecting.
  client.on('reconnecting', () => {
    if (!up) return;
    up = false;
    logger.warn({ redis: target }, 'redis connection lost, reconnecting (requests fail fast until it is back)');
  });
  client.on('end', () => logger.info({ redis: target }, 'redis connection ended'));
  if (client instanceof Cluster) {
    client.on('+node', (node: Redis) => logger.info({ redis: target, node: nodeName(node) }, 'redis cluster node added'));
    client.on('-node', (node: Redis) => logger.warn({ redis: target, node: nodeName(node) }, 'redis cluster node removed'));
    client.on('node error', (error: Error, node: string) => logger.error({ redis: target, node, err: error.message }, 'redis cluster node error'));
  }
  return client;
}

function nodeName(node: Redis): string {
  return `${node.options.host ?? '?'}:${node.options.port ?? '?'}`;
}
