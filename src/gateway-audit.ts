/**
 * The audit trail of one gateway instance: the log (Redis stream shared by all instances,
 * or memory for the embedded default), the recorder with its JSON-lines mirror, feeding the
 * pilot aggregates (pilot/recorder.ts) and the per-practitioner activity index, the sources
 * of events (HTTP request, provider context), the retention job and, at start-up, the
 * building of the search index of events recorded without it (one instance at a time, one
 * lock in the store for both).
 */
import type { Cluster, Redis } from 'ioredis';
import type { Request } from 'express';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import type { Config } from './config/index.ts';
import { isStoreUnavailable, outageCause, type KeyNames, type Store } from './store/index.ts';
import { createActivityLog } from './accounts/index.ts';
import {
  auditSourceFrom,
  checkIndex,
  createAuditMirrorLogger,
  createMemoryAuditLog,
  createRedisAuditLog,
  reindexAuditTrail,
  trimExpired,
  type AuditLog,
  type ReindexResult,
} from './audit/index.ts';
import type { AuditRecorder, AuditSource } from './audit/types.ts';
import { requestAudit, withActivityIndex, type RequestAudit } from './http/audit.ts';
import { instanceId } from './logging/logger.ts';
import { createPilotFedRecorder } from './pilot/recorder.ts';
import { createMeansNotices, type MeansNotices } from './means/index.ts';

export interface GatewayAudit {
  log: AuditLog;
  recorder: AuditRecorder;
  requests: RequestAudit;
  /** The clinicians' notices of changes to their means, fed by the recorder (means/). */
  notices: MeansNotices;
  sourceOfContext(ctx: KoaContextWithOIDC): AuditSource;
  /** Exports then removes events older than the retention (also run every hour). */
  applyRetention(): Promise<number>;
  /**
   * Checks the search index (reads only); when it does not hold every event, builds the index
   * of those recorded without it and rebuilds it if the check still fails, under the lock (run
   * once at start-up, in the background; undefined when another instance holds the lock or
   * there is no Redis).
   */
  maintainIndex(): Promise<ReindexResult | undefined>;
  close(): Promise<void>;
}

export interface GatewayAuditOptions {
  config: Config;
  store: Store;
  redis?: Redis | Cluster | undefined;
  keyNames: KeyNames;
  macKey: string;
  logger: Logger;
  /** The JSON-lines mirror; default stdout or config.audit.logFile. */
  mirror?: Logger | undefined;
  clock: () => number;
  /** Wraps the recorder so that metrics count every event (pilot/metrics.ts). */
  count?: ((recorder: AuditRecorder) => AuditRecorder) | undefined;
}

export function createGatewayAudit(options: GatewayAuditOptions): GatewayAudit {
  const { config, store, keyNames, macKey, logger, clock } = options;
  const log = options.redis ? createRedisAuditLog(options.redis as Redis, keyNames, macKey) : createMemoryAuditLog(macKey);
  const mirror =
    options.mirror ??
    createAuditMirrorLogger(config.audit.logFile ?? 'stdout', (err, lines) =>
      logger.error({ err, lines }, 'audit mirror lines not written (the SIEM misses them)'),
    );
  const notices = createMeansNotices(config, store, keyNames, macKey, logger);
  const base = createPilotFedRecorder(
    {
      log,
      mirror,
      instance: instanceId(),
      clock,
      // During a store outage one warning naming it (the event is still mirrored, marked);
      // anything else is a fault of its own, with its stack.
      onError: (err: unknown, event: { type?: unknown }) =>
        isStoreUnavailable(err)
          ? logger.warn({ type: event.type, detail: outageCause(err) }, 'store unavailable: audit event not chained (mirrored only)')
          : logger.error({ err }, 'audit event could not be chained'),
    },
    store,
    keyNames,
    notices.feed.apply,
    { writeMonthKeys: config.pilot.writeMonthKeys },
  );
  const indexed = withActivityIndex(base, createActivityLog(store, keyNames), clock);
  const recorder = options.count ? options.count(indexed) : indexed;
  const sourceOfRequest = (req: Request) => auditSourceFrom({ id: req.id, ip: req.ip, headers: req.headers }, config.audit.ip, macKey);
  const lockKey = keyNames.custom('audit', 'retention-lock');

  async function applyRetention(): Promise<number> {
    if (!(await store.setIfAbsent(lockKey, instanceId(), 600))) return 0;
    try {
      const { count } = await trimExpired({ log, retentionDays: config.audit.retentionDays, exportDir: config.audit.exportDir, clock });
      if (count) logger.info({ count }, 'audit events past retention exported and trimmed');
      return count;
    } finally {
      await store.del(lockKey);
    }
  }
  const timer = setInterval(() => {
    applyRetention().catch((err: Error) => logger.error({ err }, 'audit retention failed'));
  }, 3_600_000);
  timer.unref();

  const stopIndexing = new AbortController();
  async function maintainIndex(): Promise<ReindexResult | undefined> {
    if (!options.redis || stopIndexing.signal.aborted) return undefined;
    // Read-only first: an index that holds every event (the usual start) needs no lock, no write.
    const before = await checkIndex(options.redis, keyNames);
    if (before.ok) return { indexed: 0, check: before, aborted: false };
    if (!(await store.setIfAbsent(lockKey, instanceId(), 600))) return undefined;
    try {
      let reported = 0;
      const result = await reindexAuditTrail(options.redis, keyNames, {
        signal: stopIndexing.signal,
        onProgress: async (indexed) => {
          if (indexed - reported >= 50_000) {
            reported = indexed;
            logger.info({ indexed }, 'audit search index: building');
          }
          await store.set(lockKey, instanceId(), 600);
        },
      });
      const { check } = result;
      if (result.rebuilt)
        logger.warn(
          { ...result.rebuilt, events: check.events },
          'audit search index rebuilt: it did not hold every event (events recorded by an instance of an earlier version)',
        );
      if (result.indexed) logger.info({ indexed: result.indexed, events: check.events }, 'audit search index: events recorded without it are now indexed');
      if (!check.ok && !result.aborted)
        logger.error({ events: check.events, indexed: check.indexed }, 'audit search index does not hold every event: run npm run audit -- reindex --rebuild');
      return result;
    } finally {
      await store.del(lockKey);
    }
  }
  const indexing = maintainIndex().catch((err: Error) => {
    logger.error({ err }, 'audit search index could not be built');
    return undefined;
  });

  return {
    log,
    recorder,
    notices,
    requests: requestAudit(recorder, sourceOfRequest),
    sourceOfContext: (ctx) => auditSourceFrom({ id: (ctx.req as { id?: unknown }).id, ip: ctx.ip, headers: ctx.req.headers }, config.audit.ip, macKey),
    applyRetention,
    maintainIndex,
    async close() {
      clearInterval(timer);
      stopIndexing.abort();
      await indexing;
      await notices.close();
      await log.close();
    },
  };
}
