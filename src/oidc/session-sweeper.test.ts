import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type Provider from 'oidc-provider';
import { createSessionAssuranceStore } from '../assurance/index.ts';
import type { AuditInput, AuditRecorder } from '../audit/types.ts';
import { createKeyNames, createMemoryStore } from '../store/index.ts';
import { createSessionLifetimes } from './session-limits.ts';
import { createSessionSweeper } from './session-sweeper.ts';
import { keySignInRecord } from '../../test/support/session-assurance-record.ts';

const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;

/** A session record as the gateway saves it, signed in three hours ago and idle for two. */
const idleRecord = keySignInRecord(NOW - 3 * HOUR, { lastSeenAt: NOW - 2 * HOUR });

describe('session sweeper', () => {
  it('a session record it cannot read does not stop it: that session is ended too (its assurance unknown), logged with its key, and the sessions due after it are ended', async () => {
    const store = createMemoryStore({ now: () => NOW });
    const keyNames = createKeyNames('t:');
    const sessions = createSessionAssuranceStore(store, keyNames);
    const deadlinesKey = keyNames.custom('sessions', 'deadlines');
    // Due first: a record no release of this gateway wrote (damaged, or a later release's format after a rollback).
    await store.set(keyNames.sessionRecord('damaged'), '{"not": "an assurance', 600);
    await store.zadd(deadlinesKey, NOW - 2_000, 'damaged');
    await sessions.save('idle', idleRecord, 600);
    await store.zadd(deadlinesKey, NOW - 1_000, 'idle');

    const destroyed: string[] = [];
    const provider = {
      Session: {
        findByUid: async (uid: string) => ({ accountId: `account-of-${uid}`, authorizations: {}, destroy: async () => void destroyed.push(uid) }),
      },
    } as unknown as Provider;
    const events: AuditInput[] = [];
    const audit = { record: async (input: AuditInput) => void events.push(input) } as unknown as AuditRecorder;
    const lines: { level: number; msg: string; err?: { message?: string } }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const sweeper = createSessionSweeper({
      provider,
      store,
      sessions,
      lifetimes: createSessionLifetimes({
        idleMinutes: 30,
        absoluteMinutes: 240,
        sharedWorkstation: { idleMinutes: 10, absoluteMinutes: 60, networks: [] },
        sweepSeconds: 60,
      }),
      deadlinesKey,
      lockKey: keyNames.custom('sessions', 'sweep-lock'),
      clock: () => NOW,
      logger,
      audit,
    });

    assert.equal(await sweeper.sweep(), 2, 'both due sessions ended');
    assert.deepEqual(destroyed, ['damaged', 'idle']);
    assert.deepEqual(
      events.map((e) => [e.type, e.actor, e.reason]),
      [
        ['session.expired', 'account-of-damaged', 'unreadable'],
        ['session.expired', 'account-of-idle', 'idle'],
      ],
    );
    const error = lines.find((line) => line.level === 50);
    assert.match(error?.msg ?? '', /cannot be read/);
    assert.match(error?.err?.message ?? '', /t:\{su:damaged\}:assurance is damaged/, 'the log names the record');
    assert.deepEqual(await store.zrangeUpTo(deadlinesKey, Infinity, 10), [], 'nothing left due');
    assert.equal(await store.get(keyNames.sessionRecord('damaged')), null, 'the record deleted with its session');
  });
});
