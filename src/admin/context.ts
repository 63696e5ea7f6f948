/**
 * What every admin command works with: the configuration, the shared Redis store (never the
 * in-memory one: it would act on nothing), the audit trail the gateways chain to, and who
 * runs the command. `openAdminContext` prints what is wrong and returns undefined (exit 2).
 */
import { loadConfigForCommand, type Config } from '../config/index.ts';
import { createBackend, createKeyNames, isStoreUnavailable, type KeyNames } from '../store/index.ts';
import type { Store } from '../store/store.ts';
import { loadAuditMacKey } from '../signing-keys/load.ts';
import { createAuditMirrorLogger, createRedisAuditLog } from '../audit/index.ts';
import type { AuditInput } from '../audit/types.ts';
import { instanceId } from '../logging/logger.ts';
import { createPilotFedRecorder } from '../pilot/recorder.ts';
import { createMeansNotices } from '../means/index.ts';

export interface AdminContext {
  config: Config;
  store: Store;
  keyNames: KeyNames;
  /** Operating-system user who runs the command (SUDO_USER first), named in every audit event. */
  operator: string;
  audit(event: AuditInput): Promise<void>;
  out(line: string): void;
  close(): Promise<void>;
}

export async function openAdminContext(cli = 'admin'): Promise<AdminContext | undefined> {
  const config = loadConfigForCommand();
  if (!config) return undefined;
  const { store, redis } = createBackend(config.redis);
  if (store.kind === 'memory' || !redis) {
    console.error(`${cli}: REDIS_URL (or REDIS_SENTINELS / REDIS_CLUSTER_NODES) is not set: the operator commands act on the shared Redis store`);
    return undefined;
  }
  let auditMacKey: string;
  try {
    auditMacKey = loadAuditMacKey(config.keys.dir, config.audit.macKey);
  } catch (err) {
    console.error(`${cli}: ${(err as Error).message}`);
    await store.close();
    return undefined;
  }
  const keyNames = createKeyNames(config.redis.prefix);
  const log = createRedisAuditLog(redis, keyNames, auditMacKey);
  // A change to a clinician's means made here (e.g. revoking their keys) is notified to them too.
  const notices = createMeansNotices(config, store, keyNames, auditMacKey, {
    warn: (fields: Record<string, unknown>, message: string) => console.error(`${cli}: ${message} (${JSON.stringify(fields)})`),
  });
  const recorder = createPilotFedRecorder(
    { log, mirror: createAuditMirrorLogger(config.audit.logFile ?? 'stderr'), instance: `admin-cli:${instanceId()}` },
    store,
    keyNames,
    notices.feed.apply,
    { writeMonthKeys: config.pilot.writeMonthKeys },
  );
  return {
    config,
    store,
    keyNames,
    operator: process.env.SUDO_USER ?? process.env.USER ?? 'unknown',
    audit: (event) => recorder.record(event),
    out: (line) => process.stdout.write(`${line}\n`),
    async close() {
      await notices.close();
      await log.close();
      await store.close();
    },
  };
}

/**
 * Runs one command of an operator CLI (`admin`, `mds`) with the admin context: exit code 2 when
 * the context cannot be opened or the command fails (one line, the first of the error's
 * message, with a hint when Redis did not answer); the context is closed in every case.
 */
export async function runWithAdminContext(command: string, run: (ctx: AdminContext) => Promise<number>): Promise<number> {
  const ctx = await openAdminContext(command.split(' ')[0]);
  if (!ctx) return 2;
  try {
    return await run(ctx);
  } catch (err) {
    const hint = isStoreUnavailable(err) ? ' (Redis did not answer: check REDIS_URL and run the command again; it is safe to repeat)' : '';
    console.error(`${command}: could not complete: ${(err as Error).message.split('\n')[0]}${hint}`);
    return 2;
  } finally {
    await ctx.close().catch(() => undefined);
  }
}

/**
 * The main of an operator CLI: `help` prints the usage (exit 0); arguments `parse` refuses get one
 * line and the usage on stderr (exit 2, nothing opened); otherwise `run` with the admin context.
 */
export async function runAdminCli<R>(
  cli: string,
  usage: string,
  argv: string[],
  parse: (argv: string[]) => R | string,
  run: (request: R, ctx: AdminContext) => Promise<number>,
  commandName: (request: R) => string,
): Promise<number> {
  if (argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const request = parse(argv);
  if (typeof request === 'string') {
    console.error(`${cli}: ${request}\n${usage}`);
    return 2;
  }
  return runWithAdminContext(`${cli} ${commandName(request)}`, (ctx) => run(request, ctx));
}
