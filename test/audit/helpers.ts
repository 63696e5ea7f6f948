/**
 * Shared pieces of the audit tests: a MAC key, event bodies, a chain built in memory, a
 * Redis audit log under a unique prefix, and running the CLI as a real process.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createKeyNames, type KeyNames } from '../../src/store/key-names.ts';
import { createRedisAuditLog, linkEvents, type AuditEventBody, type AuditLog } from '../../src/audit/index.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import { TEST_REDIS_URL, deletePrefix, uniquePrefix } from '../support/redis.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const KEY = 'test-audit-mac-key-0123456789-abcdefghij';
export const WRONG_KEY = 'another-audit-mac-key-0123456789-zyxwvu';

/** Body number i: one minute apart from `start`, varied types and fields. */
export function body(i: number, start = Date.parse('2025-03-01T08:00:00.000Z')): AuditEventBody {
  const types = ['signin.started', 'psc.verified', 'signin.succeeded', 'token.issued'] as const;
  return {
    type: types[i % types.length]!,
    outcome: i % 4 === 0 ? 'info' : 'success',
    time: new Date(start + i * 60_000).toISOString(),
    instance: 'test:1',
    actor: '899700427885',
    clientId: 'demo-dpi',
    details: { n: i, method: 'psc-card' },
  };
}

/** A valid chain of n events (seq 1..n). */
export function makeChain(n: number, key = KEY): AuditEvent[] {
  return linkEvents(
    key,
    undefined,
    Array.from({ length: n }, (_, i) => body(i)),
  );
}

export interface RedisLogFixture {
  redis: Redis;
  keyNames: KeyNames;
  prefix: string;
  log: AuditLog;
  streamKey: string;
  headKey: string;
  trimKey: string;
  close(): Promise<void>;
}

/** An audit log on the shared test Redis under a prefix of its own, or on the server at `url` (a test's own redis-server). */
export async function redisLog(name: string, options: { clock?: () => number; url?: string } = {}): Promise<RedisLogFixture> {
  const prefix = uniquePrefix(name);
  const redis = new Redis(options.url ?? TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  const keyNames = createKeyNames(prefix);
  const log = createRedisAuditLog(redis, keyNames, KEY, options);
  return {
    redis,
    keyNames,
    prefix,
    log,
    streamKey: keyNames.custom('audit', 'stream'),
    headKey: keyNames.custom('audit', 'head'),
    trimKey: keyNames.custom('audit', 'trim'),
    async close() {
      await log.close();
      redis.disconnect();
      if (!options.url) await deletePrefix(prefix);
    },
  };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node src/audit/cli.ts …` with only the given environment (plus PATH and HOME). */
export function runCli(args: string[], env: Record<string, string>, options: { cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${ROOT}src/audit/cli.ts`, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Environment for the CLI to read the fixture's log. */
export function cliEnv(prefix: string, key = KEY): Record<string, string> {
  return { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, AUDIT_MAC_KEY: key };
}
