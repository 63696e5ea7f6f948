/**
 * Several gateway instances append to one Redis stream at once: two separate processes,
 * 5,000 events each, started together → 10,000 events, seq 1..10000 with no gap or
 * duplicate, interleaved, and the chain verifies (with the CLI too).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { verifyLog } from '../../src/audit/index.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import { TEST_REDIS_URL } from '../support/redis.ts';
import { KEY, ROOT, cliEnv, redisLog, runCli, type RedisLogFixture } from './helpers.ts';
import { diagnostic } from '../support/diagnostic.ts';

const PER_WRITER = 5000;

interface Writer {
  child: ChildProcess;
  out(): string;
}

function startWriter(prefix: string, instance: string, concurrency: number): Writer {
  const child = spawn(process.execPath, [`${ROOT}test/audit/fixtures/writer.ts`, TEST_REDIS_URL, prefix, instance, String(PER_WRITER), String(concurrency)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return { child, out: () => out };
}

async function waitFor(writer: Writer, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!pattern.test(writer.out())) {
    if (writer.child.exitCode !== null) throw new Error(`writer exited early: ${writer.out()}`);
    if (Date.now() > deadline) throw new Error(`writer not ${pattern}: ${writer.out()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('two writer processes on one stream', () => {
  for (const concurrency of [1, 16]) {
    const label =
      concurrency === 1 ? 'one append at a time in each process: the most interleaving' : `${concurrency} appends in flight in each process: batched commits`;
    describe(label, () => {
      let fixture: RedisLogFixture;
      beforeAll(async () => {
        fixture = await redisLog('audit-concurrency');
      });
      afterAll(() => fixture.close());

      it(`appends ${2 * PER_WRITER} events with seq 1..${2 * PER_WRITER}, no gap, no duplicate, chain valid`, { timeout: 60_000 }, async () => {
        const writers = [startWriter(fixture.prefix, 'gw-a', concurrency), startWriter(fixture.prefix, 'gw-b', concurrency)];
        await Promise.all(writers.map((w) => waitFor(w, /ready/)));
        const started = performance.now();
        for (const w of writers) w.child.stdin!.end('go\n');
        const codes = await Promise.all(writers.map(async (w) => (await once(w.child, 'exit'))[0] as number));
        const elapsed = Math.round(performance.now() - started);
        assert.deepEqual(codes, [0, 0], writers.map((w) => w.out()).join('\n'));
        const summaries = writers.map((w) => JSON.parse(w.out().trim().split('\n').at(-1)!) as Record<string, unknown>);
        diagnostic(
          `two processes x ${PER_WRITER} appends, ${concurrency} in flight each: ${elapsed} ms; ${summaries.map((s) => `${String(s.instance)} ${String(s.ms)} ms, ${String(s.conflicts)} lost races (worst commit: ${String(s.worstAttempt)} attempts)`).join('; ')}`,
        );

        const events: AuditEvent[] = [];
        for await (const event of fixture.log.entries()) events.push(event);
        assert.equal(events.length, 2 * PER_WRITER);
        assert.deepEqual(
          events.map((e) => e.seq),
          Array.from({ length: 2 * PER_WRITER }, (_, i) => i + 1),
          'stored in seq order, 1..10000',
        );
        for (const instance of ['gw-a', 'gw-b']) {
          const mine = events
            .filter((e) => e.instance === instance)
            .map((e) => e.details?.n as number)
            .sort((a, b) => a - b);
          assert.deepEqual(
            mine,
            Array.from({ length: PER_WRITER }, (_, i) => i),
            `${instance}: each of its events exactly once`,
          );
        }
        const switches = events.reduce((n, e, i) => n + (i > 0 && e.instance !== events[i - 1]!.instance ? 1 : 0), 0);
        diagnostic(`the writers took turns ${switches} times in the stream`);
        assert.ok(switches >= 2, `the two writers overlapped (${switches} switches)`);

        const result = await verifyLog(fixture.log, KEY);
        assert.deepEqual(result.ok && [result.count, result.firstSeq, result.lastSeq], [10_000, 1, 10_000]);
        const cli = await runCli(['verify'], cliEnv(fixture.prefix));
        assert.equal(cli.code, 0, cli.stdout + cli.stderr);
        assert.equal(cli.stdout, 'OK: 10000 events, chain intact (seq 1..10000)\n');
      });
    });
  }
});
