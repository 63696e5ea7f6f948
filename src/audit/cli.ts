/**
 * `npm run audit -- <command>`: the security team's tools over the shared audit stream.
 *   verify [--from-seq N] [--anchor SEQ:MAC]… [--file export.jsonl]
 *   export --from <ISO date> --to <ISO date> [--format jsonl|csv] [--out file]
 *   tail [-n 20] [--follow] [--json]
 *   reindex [--rebuild | --check]
 * Reads REDIS_URL / REDIS_PREFIX (or the configuration file) and the MAC key (AUDIT_MAC_KEY,
 * else keys/audit-mac-key.json). Exit codes: 0 done (chain intact, search index complete),
 * 1 tampering found or an index that does not hold every event, 2 bad usage, configuration or
 * storage error (or another instance is indexing).
 */
import { readFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Cluster, Redis } from 'ioredis';
import { loadConfigForCommand } from '../config/index.ts';
import { AUDIT_MAC_KEY_FILE } from '../signing-keys/load.ts';
import { createKeyNames } from '../store/key-names.ts';
import { createRedisConnection } from '../store/redis-connection.ts';
import { MIN_MAC_KEY_LENGTH, verifyChain, type ChainHead, type ChainVerification } from './chain.ts';
import { parseJsonl, toCsv, toJsonl } from './export.ts';
import type { AuditLog } from './log.ts';
import { createRedisAuditLog } from './redis-log.ts';
import { checkIndex, reindexAuditTrail, type IndexCheck } from './redis-reindex.ts';
import type { AuditEvent } from './types.ts';
import { verifyLog, VerifyUsageError } from './verify-log.ts';

const USAGE = `usage: npm run audit -- verify [--from-seq N] [--anchor SEQ:MAC]... [--file export.jsonl]
       npm run audit -- export --from <ISO date> --to <ISO date> [--format jsonl|csv] [--out file]
       npm run audit -- tail [-n 20] [--follow] [--json]
       npm run audit -- reindex [--rebuild | --check]`;

class UsageError extends Error {}

type Output = { write(text: string): Promise<void>; close(): Promise<void> };

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      'from-seq': { type: 'string' },
      anchor: { type: 'string', multiple: true },
      file: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      lines: { type: 'string', short: 'n' },
      follow: { type: 'boolean', short: 'f' },
      json: { type: 'boolean' },
      'interval-ms': { type: 'string' },
      rebuild: { type: 'boolean' },
      check: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

type Values = ReturnType<typeof parse>['values'];

function positiveInteger(name: string, value: string | undefined, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (value === undefined || !/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`audit: expected ${name} to be a positive integer, got ${JSON.stringify(value ?? '')}`);
  }
  return Number(value);
}

function isoDate(name: string, value: string | undefined): string {
  if (value === undefined) throw new UsageError(`audit export: expected ${name} <ISO date>, got none`);
  const ms = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw new UsageError(`audit export: expected ${name} as an ISO 8601 date (2025-01-31 or 2025-01-31T08:00:00Z), got ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

function anchorsOf(values: string[] | undefined): ChainHead[] {
  return (values ?? []).map((text) => {
    const match = /^(\d+):([A-Za-z0-9_-]{43})$/.exec(text);
    if (!match)
      throw new UsageError(`audit verify: expected --anchor SEQ:MAC (a seq and the 43-character MAC from the SIEM's line), got ${JSON.stringify(text)}`);
    return { seq: Number(match[1]), mac: match[2]! };
  });
}

/**
 * The MAC key, found like the gateway finds it: AUDIT_MAC_KEY (audit.macKey), else the key
 * file the gateway generated in the keys folder (keys/audit-mac-key.json).
 */
async function macKeyOf(config: { audit?: { macKey?: string | undefined }; keys?: { dir?: string } }): Promise<string> {
  let key = config.audit?.macKey ?? process.env.AUDIT_MAC_KEY;
  const file = join(config.keys?.dir ?? 'keys', AUDIT_MAC_KEY_FILE);
  if (!key) {
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new UsageError(`audit: expected to read the MAC key from ${file}, got ${(err as Error).message}`);
    }
    if (text === undefined)
      throw new UsageError(`audit: expected the audit MAC key in AUDIT_MAC_KEY (or audit.macKey, or ${file}), got none: without it nothing can be verified`);
    try {
      key = JSON.parse(text) as string;
    } catch {
      throw new UsageError(`audit: expected ${file} to hold a JSON string, got text that is not JSON`);
    }
    if (typeof key !== 'string') throw new UsageError(`audit: expected ${file} to hold a JSON string, got ${typeof key}`);
  }
  if (key.length < MIN_MAC_KEY_LENGTH) throw new UsageError(`audit: expected an audit MAC key of at least ${MIN_MAC_KEY_LENGTH} characters, got ${key.length}`);
  return key;
}

function clean(text: string): string {
  // Terminal control characters from event fields (a client_id is chosen by whoever calls) are neutralized.
  return text.replace(/\p{Cc}/gu, '?');
}

function humanLine(e: AuditEvent): string {
  const parts = [`#${e.seq}`, e.time, e.type, e.outcome];
  for (const [name, value] of [
    ['actor', e.actor],
    ['profession', e.profession],
    ['client', e.clientId],
    ['reason', e.reason],
    ['ip', e.ip],
    ['ua', e.userAgent],
    ['req', e.requestId],
    ['instance', e.instance],
  ] as const) {
    if (value !== undefined) parts.push(`${name}=${JSON.stringify(value)}`);
  }
  if (e.details && Object.keys(e.details).length) parts.push(`details=${JSON.stringify(e.details)}`);
  return `${clean(parts.join(' '))}\n`;
}

function describe(result: ChainVerification & { ok: false }): string {
  return `TAMPERED at position ${result.position} (seq ${result.seq ?? '?'}): ${result.problem} — ${result.message}`;
}

async function stdoutWrite(text: string): Promise<void> {
  if (!process.stdout.write(text)) await new Promise((resolve) => process.stdout.once('drain', resolve));
}

async function outputTo(path: string | undefined): Promise<Output> {
  if (!path) return { write: stdoutWrite, close: async () => {} };
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (err) {
    throw new UsageError(
      `audit export: expected --out to name a new file, got ${JSON.stringify(path)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  const file = handle;
  return {
    write: async (text) => {
      await file.writeFile(text, 'utf8');
    },
    close: async () => {
      await file.sync();
      await file.close();
    },
  };
}

async function verifyFile(path: string, key: string, anchors: ChainHead[]): Promise<number> {
  let events: AuditEvent[];
  try {
    events = parseJsonl(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code)
      throw new UsageError(`audit verify: expected --file to be a readable JSON-lines export, got ${(err as Error).message}`);
    process.stdout.write(`TAMPERED at position ? (seq ?): malformed — ${(err as Error).message}\n`);
    return 1;
  }
  const first = events[0];
  // An export starts where it starts: its first event's seq and prev are taken as given.
  const result = verifyChain(events, key, first ? { expectedFirstSeq: first.seq, expectedFirstPrev: first.prev, anchors } : {});
  if (!result.ok) {
    process.stdout.write(`${describe(result)}\n`);
    return 1;
  }
  process.stdout.write(
    result.count ? `OK: ${result.count} events, chain intact (seq ${result.firstSeq}..${result.lastSeq})\n` : 'OK: 0 events, chain intact (empty)\n',
  );
  return 0;
}

async function verify(log: AuditLog, key: string, values: Values): Promise<number> {
  const fromSeq = values['from-seq'] === undefined ? undefined : positiveInteger('--from-seq', values['from-seq']);
  let result;
  try {
    result = await verifyLog(log, key, { ...(fromSeq === undefined ? {} : { fromSeq }), anchors: anchorsOf(values.anchor) });
  } catch (err) {
    if (err instanceof VerifyUsageError) throw new UsageError(err.message);
    throw err;
  }
  if (!result.ok) {
    process.stdout.write(`${describe(result)}\n`);
    return 1;
  }
  for (const anchor of result.skippedAnchors ?? [])
    process.stderr.write(`audit verify: anchor seq ${anchor.seq} lies before the start (seq ${result.firstSeq ?? '?'}): not checked\n`);
  if (result.trimPoint)
    process.stderr.write(
      `audit verify: the chain was trimmed before seq ${result.trimPoint.seq} on ${result.trimPoint.time}; earlier events are in the retention exports\n`,
    );
  process.stdout.write(
    result.count ? `OK: ${result.count} events, chain intact (seq ${result.firstSeq}..${result.lastSeq})\n` : 'OK: 0 events, chain intact (empty)\n',
  );
  return 0;
}

async function exportEvents(log: AuditLog, values: Values): Promise<number> {
  const fromTime = isoDate('--from', values.from);
  const toTime = isoDate('--to', values.to);
  if (toTime <= fromTime) throw new UsageError(`audit export: expected --to after --from, got ${values.from} .. ${values.to}`);
  const format = values.format ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`audit export: expected --format jsonl or csv, got ${JSON.stringify(format)}`);
  const out = await outputTo(values.out);
  let count = 0;
  let first: number | undefined;
  let last: number | undefined;
  try {
    if (format === 'csv') await out.write(toCsv([]));
    let fromSeq: number | undefined;
    for (;;) {
      const page = await log.range({ fromTime, toTime, limit: 1000, ...(fromSeq === undefined ? {} : { fromSeq }) });
      if (!page.length) break;
      await out.write(format === 'csv' ? toCsv(page, { header: false }) : toJsonl(page));
      count += page.length;
      first ??= page[0]!.seq;
      last = page.at(-1)!.seq;
      if (page.length < 1000) break;
      fromSeq = last + 1;
    }
  } finally {
    await out.close();
  }
  process.stderr.write(
    `audit export: ${count} event(s)${count ? ` (seq ${first}..${last})` : ''} from ${fromTime} to ${toTime}${values.out ? ` written to ${values.out}` : ''}; run verify to check the chain they belong to\n`,
  );
  return 0;
}

async function tail(log: AuditLog, values: Values): Promise<number> {
  const n = positiveInteger('-n', values.lines, 20);
  const interval = positiveInteger('--interval-ms', values['interval-ms'], 1000);
  const print = (events: AuditEvent[]) => stdoutWrite(values.json ? toJsonl(events) : events.map(humanLine).join(''));
  const latest = (await log.range({ order: 'newest-first', limit: n })).reverse();
  await print(latest);
  if (!values.follow) return 0;
  let lastSeq = latest.at(-1)?.seq ?? (await log.head())?.seq ?? 0;
  let stop = false;
  let wake: (() => void) | undefined;
  const halt = () => {
    stop = true;
    wake?.();
  };
  process.once('SIGINT', halt);
  process.once('SIGTERM', halt);
  while (!stop) {
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, interval).unref();
    });
    if (stop) break;
    const fresh = (await log.range({ fromSeq: lastSeq + 1, order: 'newest-first' })).reverse();
    if (fresh.length) {
      await print(fresh);
      lastSeq = fresh.at(-1)!.seq;
    }
  }
  return 0;
}

function describeIndex(check: IndexCheck): string {
  const count = (n: number) => n.toLocaleString('en-US');
  if (check.ok) return `search index complete: ${count(check.indexed)} of ${count(check.events)} events (generation ${check.generation})`;
  return `search index INCOMPLETE: ${count(check.indexed)} of ${count(check.events)} events indexed (generation ${check.generation}, indexed from ${check.indexedFrom ?? 'nothing'}, oldest event at ${check.oldest ?? '-'})`;
}

/**
 * Builds the search index of the events recorded without it (idempotent; resumes where a
 * previous run stopped), checks it, and starts a new generation when the check fails or
 * --rebuild asks. --check only reports. Holds the gateways' retention lock meanwhile.
 */
async function reindex(redis: Redis | Cluster, keyNames: ReturnType<typeof createKeyNames>, values: Values): Promise<number> {
  if (values.rebuild && values.check) throw new UsageError('audit reindex: expected --rebuild or --check, got both');
  if (values.check) {
    const check = await checkIndex(redis, keyNames);
    process.stdout.write(`${describeIndex(check)}\n`);
    return check.ok ? 0 : 1;
  }
  const lockKey = keyNames.custom('audit', 'retention-lock');
  const owner = `audit-cli:${process.pid}`;
  if ((await redis.set(lockKey, owner, 'EX', 600, 'NX')) !== 'OK') {
    throw new UsageError(`audit reindex: a gateway instance holds ${lockKey} (retention or indexing at start-up): try again in a few minutes`);
  }
  const started = Date.now();
  try {
    const result = await reindexAuditTrail(redis, keyNames, {
      rebuild: Boolean(values.rebuild),
      onProgress: async (indexed) => {
        process.stderr.write(`audit reindex: ${indexed.toLocaleString('en-US')} events indexed\r`);
        await redis.set(lockKey, owner, 'EX', 600);
      },
    });
    if (result.indexed) process.stderr.write('\n');
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (result.rebuilt) process.stdout.write(`rebuilt: generation ${result.rebuilt.from} replaced by ${result.rebuilt.to} (${result.rebuilt.reason})\n`);
    process.stdout.write(`${result.indexed.toLocaleString('en-US')} event(s) indexed in ${seconds} s; ${describeIndex(result.check)}\n`);
    return result.check.ok ? 0 : 1;
  } finally {
    if ((await redis.get(lockKey)) === owner) await redis.del(lockKey);
  }
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parse(argv);
  } catch (err) {
    console.error(`audit: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...extra] = positionals;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!command || !['verify', 'export', 'tail', 'reindex'].includes(command) || extra.length) {
    console.error(`audit: ${command ? `unknown command "${positionals.join(' ')}"` : 'no command'}\n${USAGE}`);
    return 2;
  }

  let redis: Redis | Cluster | undefined;
  try {
    const config = loadConfigForCommand();
    if (!config) return 2;
    // The index holds positions, not MACs: reindex needs no key.
    const key = command === 'reindex' ? '' : await macKeyOf(config);
    if (command === 'verify' && values.file) return await verifyFile(values.file, key, anchorsOf(values.anchor));
    if (!config.redis.url && !config.redis.sentinels && !config.redis.clusterNodes) {
      throw new UsageError(
        'audit: expected REDIS_URL (or REDIS_SENTINELS / REDIS_CLUSTER_NODES), got none: the audit trail the CLI reads is the shared Redis stream',
      );
    }
    redis = createRedisConnection(config.redis);
    if (command === 'reindex') return await reindex(redis, createKeyNames(config.redis.prefix), values);
    const log = createRedisAuditLog(redis, createKeyNames(config.redis.prefix), key);
    if (command === 'verify') return await verify(log, key, values);
    if (command === 'export') return await exportEvents(log, values);
    return await tail(log, values);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(err.message);
      return 2;
    }
    console.error(`audit ${command}: could not complete: ${(err as Error).message}`);
    return 2;
  } finally {
    redis?.disconnect();
  }
}

process.exitCode = await main(process.argv.slice(2));
