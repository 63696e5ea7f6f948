/**
 * Bench: /admin/audit's search over a year of audit events (issue target: a search answers in
 * under 500 ms with the bench:pilot million).
 *
 * 1. Appends `--events` events of bench/pilot-trail.ts (the same year bench:pilot loads)
 *    through createRedisAuditLog(...).append(): the gateway's own append script, which chains
 *    each event and writes its search index entries with it; `--concurrency` appends in flight.
 * 2. Measures the Redis footprint: the stream, and the index keys by kind.
 * 3. Times `log.search(query, { limit: 100 })` (what /admin/audit runs) for a set of searches:
 *    a clinician over the whole trail and on one day, a rare type since 2020, a frequent type
 *    over 30 days, three criteria over a year, failures over a year, a period alone (a year,
 *    a day) and the third page of a large result. 3 warm-up searches, then `--reads` timed.
 *    Each count is checked against the count made while generating the events.
 * 4. Times an export (searchAll, every event read) and, unless --no-reindex, the rebuild of
 *    the index of the whole trail (what an upgrade from a version without it costs).
 *
 * Everything lives under its own prefix `hcbench:audit:<pid>:<random>:`, deleted at the end
 * (SCAN + UNLINK) unless --keep. Exit code: 0 when every search's p95 is under 500 ms and every
 * count checks out, 1 otherwise, 2 on bad options.
 *
 *   node bench/audit-search.ts [--events 1000000] [--clinicians 5000] [--days 365] [--reads 20]
 *                              [--concurrency 64] [--no-reindex] [--keep]
 *   BENCH_REDIS_URL=redis://127.0.0.1:6379 (default)
 */
import type { Redis } from 'ioredis';
import {
  createRedisAuditLog,
  matchesQuery,
  reindexAuditTrail,
  type AuditEventBody,
  type AuditLog,
  type AuditPageRequest,
  type AuditQuery,
} from '../src/audit/index.ts';
import { addDays, parisDay, parisDayStart } from '../src/calendar/paris-days.ts';
import { createKeyNames } from '../src/store/index.ts';
import { applyAll } from './apply-all.ts';
import { releasePrefix, startBench } from './bench-redis.ts';
import {
  flags,
  fmt,
  interruption,
  loadAverage,
  ms,
  out,
  outMachine,
  pad,
  runBench,
  statsOf,
  trailBenchOptions,
  TRAIL_BENCH_FLAGS,
  type Stats,
  type TrailBenchOptions,
} from './cli.ts';
import { BENCH_MAC_KEY, createTrail } from './pilot-trail.ts';
import { keyUsage, usedMemory } from './redis-footprint.ts';

const TARGET_MS = 500;
const WARM_UP = 3;

interface Options extends TrailBenchOptions {
  reindex: boolean;
}

const USAGE = `usage: node bench/audit-search.ts [--events N] [--clinicians N] [--days N] [--reads N] [--concurrency N] [--no-reindex] [--keep]
  --events       audit events appended (default 1000000)
  --clinicians   distinct clinicians (default 5000)
  --days         Paris days the events are spread over, ending today (default 365)
  --reads        timed searches per case, after ${WARM_UP} warm-up searches (default 20)
  --concurrency  appends in flight while loading (default 64)
  --no-reindex   skip timing the rebuild of the whole index
  --keep         leave the keys in Redis (the prefix is printed)
  BENCH_REDIS_URL  Redis server (default redis://127.0.0.1:6379)`;

function parseOptions(argv: string[]): Options | 'help' {
  const values = flags(argv, { ...TRAIL_BENCH_FLAGS, 'no-reindex': { type: 'boolean', default: false } });
  if (values.help) return 'help';
  return { ...trailBenchOptions(values, { maxEvents: 20_000_000, reads: 20, maxReads: 10_000 }), reindex: !values['no-reindex'] };
}

interface Case {
  name: string;
  query: AuditQuery;
  page?: (log: AuditLog) => Promise<AuditPageRequest>;
  /** Counted while the events are generated (the clinician's cases: from the per-clinician tallies). */
  expected: number;
}

/** The searches timed that do not depend on which clinician is the busiest. */
function cases(today: string): Case[] {
  const day = (d: string) => parisDayStart(d);
  const year = { fromMs: day(addDays(today, -364)), toMs: day(addDays(today, 1)) };
  const busyDay = addDays(today, -3);
  return [
    { name: 'key.revoked since 2020', query: { type: 'key.revoked', fromMs: day('2020-01-01') }, expected: 0 },
    { name: 'signin.failed, 30 days', query: { type: 'signin.failed', fromMs: day(addDays(today, -29)), toMs: day(addDays(today, 1)) }, expected: 0 },
    { name: 'client+type+outcome, 1 year', query: { clientId: 'dpi-urgences', type: 'signin.succeeded', outcome: 'success', ...year }, expected: 0 },
    { name: 'outcome=failure, 1 year', query: { outcome: 'failure', ...year }, expected: 0 },
    { name: 'period alone, 1 year', query: year, expected: 0 },
    { name: 'period alone, 1 day', query: { fromMs: day(busyDay), toMs: day(addDays(busyDay, 1)) }, expected: 0 },
    {
      name: 'client+type+outcome, page 3',
      query: { clientId: 'dpi-urgences', type: 'signin.succeeded', outcome: 'success', ...year },
      expected: 0,
      async page(log) {
        const first = await log.search(this.query, { limit: 100 });
        const second = await log.search(this.query, { limit: 100, before: first.events.at(-1)!.position, upto: first.upto });
        return { limit: 100, before: second.events.at(-1)!.position, upto: first.upto };
      },
    },
  ];
}

/** The audit trail's keys by kind: the stream, index keys by field, registries. */
const auditKind = (rest: string) => /^\{audit\}:ix:\d+:([a-z]+)/.exec(rest)?.[1] ?? /^\{audit\}:([a-z]+)/.exec(rest)?.[1] ?? 'other';

async function main(): Promise<number> {
  const bench = await startBench('audit-search', 'audit', USAGE, parseOptions);
  if (typeof bench === 'number') return bench;
  const { opts, url, prefix, redis } = bench;
  const keyNames = createKeyNames(prefix);
  const log = createRedisAuditLog(redis, keyNames, BENCH_MAC_KEY);
  const interrupted = interruption();
  try {
    const node = redis as Redis;
    const today = parisDay(Date.now());
    out(`audit search bench — ${new Date().toISOString()}`);
    await outMachine(node, url);
    out(
      `data: ${fmt(opts.events)} events (bench/pilot-trail.ts, as bench:pilot), ${fmt(opts.clinicians)} clinicians, ${opts.days} Paris days ending ${today}; prefix ${prefix}`,
    );
    out();

    // ---- Load through the append script (chain + index), tallying each case's count.
    const trail = createTrail(opts, today);
    const generated = trail.events();
    const perActor = new Map<string, number>();
    const perActorDay = new Map<string, number>();
    const list = cases(today);
    const memoryBefore = await usedMemory(node);
    const { applied: loaded, seconds: loadSeconds } = await applyAll({
      items: generated,
      concurrency: opts.concurrency,
      stopped: () => interrupted.raised,
      verb: 'appended',
      total: opts.events,
      async apply(event) {
        const { seq: _seq, prev: _prev, mac: _mac, ...body } = event;
        perActor.set(body.actor ?? '', (perActor.get(body.actor ?? '') ?? 0) + 1);
        if (body.actor) {
          const key = `${body.actor} ${parisDay(body.time)}`;
          perActorDay.set(key, (perActorDay.get(key) ?? 0) + 1);
        }
        for (const c of list) if (matchesQuery(event, c.query)) c.expected += 1;
        await log.append(body as AuditEventBody);
      },
    });
    if (interrupted.raised) return 130;
    const memoryAfter = await usedMemory(node);
    out(
      `load: ${fmt(loaded)} events appended (chained and indexed) in ${loadSeconds.toFixed(1)} s = ${fmt(Math.round(loaded / loadSeconds))} events/s (${opts.concurrency} in flight; generating them on the same thread included)`,
    );

    // The busiest clinician and their busiest day.
    const [busy, busyCount] = [...perActor].filter(([a]) => a).sort((a, b) => b[1] - a[1])[0]!;
    const [busyKey, busyDayCount] = [...perActorDay].filter(([k]) => k.startsWith(`${busy} `)).sort((a, b) => b[1] - a[1])[0]!;
    const busyDay = busyKey.split(' ')[1]!;
    list.unshift(
      { name: 'idNat, whole trail', query: { actor: busy }, expected: busyCount },
      { name: 'idNat, one day', query: { actor: busy, fromMs: parisDayStart(busyDay), toMs: parisDayStart(addDays(busyDay, 1)) }, expected: busyDayCount },
    );

    // ---- Footprint.
    const { byKind: usage } = await keyUsage(node, prefix, auditKind);
    const indexBytes = [...usage].filter(([kind]) => !['stream', 'head', 'trim'].includes(kind)).reduce((sum, [, r]) => sum + r.bytes, 0);
    const streamBytes = usage.get('stream')?.bytes ?? 0;
    out(
      `redis: stream ${(streamBytes / 2 ** 20).toFixed(1)} MiB (${(streamBytes / loaded).toFixed(0)} B/event); search index ${(indexBytes / 2 ** 20).toFixed(1)} MiB (${(indexBytes / loaded).toFixed(0)} B/event); INFO used_memory grew ${((memoryAfter - memoryBefore) / 2 ** 20).toFixed(1)} MiB`,
    );
    for (const [kind, row] of [...usage].sort((a, b) => b[1].bytes - a[1].bytes))
      out(`  ${kind.padEnd(9)} ${pad(fmt(row.keys), 8)} keys ${pad((row.bytes / 2 ** 20).toFixed(2), 9)} MiB`);
    out();

    // ---- Timed searches.
    out(`searches: ${WARM_UP} warm-up + ${opts.reads} timed per case, log.search(query, { limit: 100 }) as /admin/audit runs it; target p95 < ${TARGET_MS} ms`);
    out(`  ${'case'.padEnd(30)} ${pad('count', 9)} ${pad('min', 7)} ${pad('median', 7)} ${pad('p95', 7)} ${pad('max', 7)}  result`);
    const results: Record<string, Stats & { count: number; ok: boolean }> = {};
    let countsOk = true;
    for (const c of list) {
      const page = c.page ? await c.page(log) : { limit: 100 };
      let count = 0;
      for (let i = 0; i < WARM_UP; i++) await log.search(c.query, page);
      const samples: number[] = [];
      for (let i = 0; i < opts.reads; i++) {
        if (interrupted.raised) return 130;
        const t0 = process.hrtime.bigint();
        const result = await log.search(c.query, page);
        samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
        count = result.total;
      }
      const stats = statsOf(samples);
      const ok = count === c.expected;
      countsOk &&= ok;
      results[c.name] = { ...stats, count, ok };
      out(
        `  ${c.name.padEnd(30)} ${pad(fmt(count), 9)} ${pad(ms(stats.min).toFixed(1), 7)} ${pad(ms(stats.median).toFixed(1), 7)} ${pad(ms(stats.p95).toFixed(1), 7)} ${pad(ms(stats.max).toFixed(1), 7)}  ${stats.p95 < TARGET_MS ? 'PASS' : 'FAIL'}${ok ? '' : ` COUNT MISMATCH (expected ${fmt(c.expected)})`}`,
      );
    }
    const pass = Object.values(results).every((r) => r.p95 < TARGET_MS);
    out(`  load average after the searches: ${loadAverage()}`);
    out();

    // ---- Export: every matching event read, oldest first.
    const exportStart = process.hrtime.bigint();
    const matches = await log.searchAll({ type: 'signin.failed', fromMs: parisDayStart(addDays(today, -364)) });
    let exported = 0;
    for await (const _event of matches.events(500)) exported += 1;
    const exportSeconds = Number(process.hrtime.bigint() - exportStart) / 1e9;
    out(
      `export: signin.failed over a year, ${fmt(exported)} events read in ${exportSeconds.toFixed(2)} s = ${fmt(Math.round(exported / exportSeconds))} events/s (searchAll; the CSV/JSONL writing on top is the CLI's)`,
    );

    // ---- Rebuilding the whole index (an upgrade from a version without it).
    let reindex: { seconds: number; events: number } | undefined;
    if (opts.reindex) {
      const reindexStart = process.hrtime.bigint();
      const result = await reindexAuditTrail(redis, keyNames, { rebuild: true });
      const seconds = Number(process.hrtime.bigint() - reindexStart) / 1e9;
      reindex = { seconds: ms(seconds), events: result.indexed };
      out(
        `reindex --rebuild: ${fmt(result.indexed)} events indexed in ${seconds.toFixed(1)} s = ${fmt(Math.round(result.indexed / seconds))} events/s; check ${result.check.ok ? 'OK' : 'FAILED'} (${fmt(result.check.indexed)} of ${fmt(result.check.events)})`,
      );
      countsOk &&= result.check.ok;
    }
    out();
    out(
      JSON.stringify({
        bench: 'audit-search',
        events: loaded,
        clinicians: opts.clinicians,
        days: opts.days,
        load: { seconds: ms(loadSeconds), events_per_s: Math.round(loaded / loadSeconds), concurrency: opts.concurrency },
        redis: { stream_bytes: streamBytes, index_bytes: indexBytes },
        searches: Object.fromEntries(
          Object.entries(results).map(([name, r]) => [
            name,
            { count: r.count, min: ms(r.min), median: ms(r.median), p95: ms(r.p95), max: ms(r.max), count_ok: r.ok },
          ]),
        ),
        export: { events: exported, seconds: ms(exportSeconds) },
        ...(reindex ? { reindex } : {}),
        target_ms: TARGET_MS,
        counts_ok: countsOk,
        pass,
      }),
    );
    return pass && countsOk ? 0 : 1;
  } finally {
    interrupted.release();
    await log.close().catch(() => {});
    redis.disconnect();
    await releasePrefix(bench, opts.keep);
  }
}

runBench('audit-search', main);
