/**
 * Chaos: the session sweeper (every few seconds on every instance) meets a Redis outage. The
 * log gets one warning naming it when it begins and one line when sweeps work again — not an
 * error with a stack trace at every sweep.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type Provider from 'oidc-provider';
import { createBackend, createKeyNames, withUnavailableErrors, type Store } from '../../src/store/index.ts';
import { createSessionSweeper } from '../../src/oidc/session-sweeper.ts';
import { createSessionLifetimes } from '../../src/oidc/session-limits.ts';
import { createSessionAssuranceStore } from '../../src/assurance/index.ts';
import type { AuditRecorder } from '../../src/audit/types.ts';
import { createRedisServer, type RedisServer } from '../support/redis-server.ts';
import { sleep, waitFor } from './wait-for.ts';

let redis: RedisServer;
let store: Store;
beforeAll(async () => {
  redis = await createRedisServer();
  store = withUnavailableErrors(createBackend({ url: redis.url }).store);
});
afterAll(async () => {
  await store?.close();
  await redis?.dispose();
});

describe('session sweeper during a Redis outage', () => {
  it('logs one warning naming the outage, no stack trace, and one line when it is back', { timeout: 30_000 }, async () => {
    const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
    const logger = pino(
      { level: 'info' },
      {
        write: (line: string) => {
          lines.push(JSON.parse(line));
        },
      },
    );
    const keyNames = createKeyNames('hctest:sweeper-outage:');
    const audit: AuditRecorder = { record: async () => undefined } as unknown as AuditRecorder;
    const sweeper = createSessionSweeper({
      provider: {} as Provider,
      store,
      sessions: createSessionAssuranceStore(store, keyNames),
      lifetimes: createSessionLifetimes({
        idleMinutes: 30,
        absoluteMinutes: 240,
        sharedWorkstation: { idleMinutes: 10, absoluteMinutes: 60, networks: [] },
        sweepSeconds: 1,
      }),
      deadlinesKey: keyNames.custom('sessions', 'deadlines'),
      lockKey: keyNames.custom('sessions', 'sweep-lock'),
      clock: Date.now,
      logger,
      audit,
    });
    await store.ping();
    sweeper.start(100);
    try {
      await sleep(300);
      await redis.stop('SIGKILL');
      await sleep(2_000); // many sweeps fail meanwhile
      await redis.start();
      await waitFor('sweeps resumed', () => lines.some((l) => /resumed/.test(l.msg)));
    } finally {
      sweeper.stop();
    }
    const said = lines.map((l) => `${l.level} ${l.msg} ${String(l.detail ?? '')}`);
    assert.deepEqual(
      lines.filter((l) => l.level >= 50 || 'err' in l || JSON.stringify(l).includes('"stack"')).map((l) => l.msg),
      [],
      `no error, no stack trace: ${said.join(' | ')}`,
    );
    const warnings = lines.filter((l) => l.level === 40);
    assert.equal(warnings.length, 1, `one warning for the whole outage: ${said.join(' | ')}`);
    assert.match(warnings[0]!.msg, /store unavailable/);
    assert.match(String(warnings[0]!.detail), /ECONNREFUSED|Connection is closed|Stream isn't writeable|max retries/i, 'it names what the store said');
    assert.equal(lines.filter((l) => /resumed/.test(l.msg)).length, 1);
  });
});
