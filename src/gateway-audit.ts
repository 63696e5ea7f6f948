/**
 * The audit trail of one gateway instance: the log (Redis stream shared by all instances,
 * or memory for the embedded default), the recorder with its JSON-lines mirror, feeding the
 * pilot aggregates (pilot/recorder.ts) and the per-practitioner activity index, the sources
 * of events (HTTP request, provider context), and the retention job (one instance at a
 * time, lock in the store).
 */
import type { Cluster, Redis } from 'ioredis';
import type { Request } from 'express';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import type { Config } from './config/index.ts';
import type { Keys, Store } from './store/index.ts';
import { createActivityLog } from './accounts/index.ts';
import {
  auditSourceFrom, createAuditMirrorLogger, createMemoryAuditLog, createRedisAuditLog, trimExpired,
  type AuditLog,
} from './audit/index.ts';
import type { AuditRecorder, AuditSource } from './audit/types.ts';
import { requestAudit, withActivityIndex, type RequestAudit } from './http/audit.ts';
import { instanceId } from './logger.ts';
import { createPilotFedRecorder } from './pilot/recorder.ts';

export interface GatewayAudit {
  log: AuditLog;
  recorder: AuditRecorder;
  requests: RequestAudit;
  sourceOfContext(ctx: KoaContextWithOIDC): AuditSource;
  /** Exports then removes events older than the retention (also run every hour). */
  applyRetention(): Promise<number>;
  close(): Promise<void>;
}

export interface GatewayAuditOptions {
  config: Config;
  store: Store;
  redis?: Redis | Cluster | undefined;
  keys: Keys;
  macKey: string;
  logger: Logger;
  /** The JSON-lines mirror; default stdout or config.audit.logFile. */
  mirror?: Logger | undefined;
  clock: () => number;
  /** Wraps the recorder so that metrics count every event (pilot/metrics.ts). */
  count?: ((recorder: AuditRecorder) => AuditRecorder) | undefined;
}

export function createGatewayAudit(options: GatewayAuditOptions): GatewayAudit {
  const { config, store, keys, macKey, logger, clock } = options;
  const log = options.redis ? createRedisAuditLog(options.redis as Redis, keys, macKey) : createMemoryAuditLog(macKey);
  const mirror = options.mirror ?? createAuditMirrorLogger(config.audit.logFile ?? 'stdout');
  const base = createPilotFedRecorder({
    log, mirror, instance: instanceId(), clock,
    onError: (err: unknown) => logger.error({ err }, 'audit event could not be chained'),
  }, store, keys);
  const indexed = withActivityIndex(base, createActivityLog(store, keys), clock);
  const recorder = options.count ? options.count(indexed) : indexed;
  const sourceOfRequest = (req: Request) => auditSourceFrom({ id: req.id, ip: req.ip, headers: req.headers }, config.audit.ip, macKey);
  const lockKey = keys.custom('audit', 'retention-lock');

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
  const timer = setInterval(() => { applyRetention().catch((err: Error) => logger.error({ err }, 'audit retention failed')); }, 3_600_000);
  timer.unref();

  return {
    log,
    recorder,
    requests: requestAudit(recorder, sourceOfRequest),
    sourceOfContext: (ctx) => auditSourceFrom({ id: (ctx.req as { id?: unknown }).id, ip: ctx.ip, headers: ctx.req.headers }, config.audit.ip, macKey),
    applyRetention,
    async close() {
      clearInterval(timer);
      await log.close();
    },
  };
}
