/**
 * Bench: the pilot dashboard's read over a year of audit events (issue target: a read under
 * 200 ms with one million events).
 *
 * 1. Loads `--events` synthetic, chained audit events (deterministic PRNG, a production-like
 *    mix of types) spread over the `--days` Paris days ending today, each one applied through
 *    createPilotAggregates(...).apply(event): the code path the gateway runs when an event is
 *    chained (recorder onRecorded hook), over the gateway's own Redis connection settings.
 * 2. Checks that the figures read back equal what was generated (sign-ins, failures,
 *    fall-backs, links, distinct active clinicians). This first read derives and keeps the
 *    summaries of the closed months and weeks (closed-periods.ts): it is timed apart.
 * 3. Times createPilotFiguresReader(...).read() for the last 7, 30 (dashboard default), 90 and
 *    365 days: 3 warm-up reads, then `--reads` timed reads each.
 *
 * Everything lives under its own prefix `hcbench:pilot:<pid>:<random>:`, deleted at the end
 * with SCAN + UNLINK (unless --keep). Prints a table, then one JSON line. Exit code: 0 when
 * every range's p95 is under 200 ms and the figures check out, 1 otherwise, 2 on bad options.
 *
 *   node bench/pilot-figures.ts [--events 1000000] [--clinicians 5000] [--days 365]
 *                               [--reads 30] [--concurrency 64] [--keep]
 *   BENCH_REDIS_URL=redis://127.0.0.1:6379 (default)
 */
import type { Redis } from 'ioredis';
import { addDays, createPilotAggregates, createPilotFiguresReader, parisDay } from '../src/pilot/index.ts';
import { createKeyNames, createRedisStore } from '../src/store/index.ts';
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
import { createTrail } from './pilot-trail.ts';
import { keyUsage, usedMemory } from './redis-footprint.ts';

const TARGET_MS = 200;
const WARM_UP_READS = 3;
const RANGES = [
  { name: '7d', days: 7 },
  { name: '30d', days: 30 },
  { name: '90d', days: 90 },
  { name: '365d', days: 365 },
] as const;

// ---------------------------------------------------------------------------------------------
// Options

const USAGE = `usage: node bench/pilot-figures.ts [--events N] [--clinicians N] [--days N] [--reads N] [--concurrency N] [--keep]
  --events       audit events loaded (default 1000000)
  --clinicians   distinct clinicians (default 5000)
  --days         Paris days the events are spread over, ending today (default 365, at most 731)
  --reads        timed reads per range, after ${WARM_UP_READS} warm-up reads (default 30)
  --concurrency  events applied at once while loading (default 64)
  --keep         leave the keys in Redis for inspection (the prefix is printed)
  BENCH_REDIS_URL  Redis server (default redis://127.0.0.1:6379)`;

function parseOptions(argv: string[]): TrailBenchOptions | 'help' {
  const values = flags(argv, TRAIL_BENCH_FLAGS);
  if (values.help) return 'help';
  return trailBenchOptions(values, { maxEvents: 100_000_000, reads: 30, maxReads: 100_000 });
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** The pilot aggregates' keys by kind: day, month, active, funnel, … */
const pilotKind = (rest: string) => /^\{pilot\}:([a-z]+)/.exec(rest)?.[1] ?? 'other';

class Interrupted extends Error {}

async function main(): Promise<number> {
  const bench = await startBench('pilot-figures', 'pilot', USAGE, parseOptions);
  if (typeof bench === 'number') return bench;
  const { opts, url, prefix, redis } = bench;
  const store = createRedisStore(redis);
  const keyNames = createKeyNames(prefix);

  const interrupted = interruption();
  let wroteKeys = false;
  try {
    const today = parisDay(Date.now());
    out(`pilot figures bench — ${new Date().toISOString()}`);
    await outMachine(redis as Redis, url);
    out(`data: ${fmt(opts.events)} events, ${fmt(opts.clinicians)} clinicians, ${opts.days} Paris days ending ${today}; prefix ${prefix}`);
    out();

    // ---- Load, through the gateway's aggregation code path.
    const memoryBefore = await usedMemory(redis as Redis);
    const trail = createTrail(opts, today);
    const events = trail.events();
    const aggregates = createPilotAggregates(store, keyNames);
    let generatingNs = 0n;
    wroteKeys = true;
    const { applied: loaded, seconds: loadSeconds } = await applyAll({
      // Generating and MAC-chaining the events is timed apart: apply() alone is what is measured.
      items: {
        next() {
          const t0 = process.hrtime.bigint();
          const next = events.next();
          generatingNs += process.hrtime.bigint() - t0;
          return next;
        },
      },
      apply: (event) => aggregates.apply(event),
      concurrency: opts.concurrency,
      stopped: () => interrupted.raised,
      verb: 'loaded',
      total: opts.events,
    });
    if (interrupted.raised) throw new Interrupted();
    const loadRate = loaded / loadSeconds;
    const memoryAfter = await usedMemory(redis as Redis);

    const generatingSeconds = Number(generatingNs) / 1e9;
    const applyRate = loaded / Math.max(loadSeconds - generatingSeconds, 1e-9);
    out(`load: ${fmt(loaded)} events applied in ${loadSeconds.toFixed(1)} s = ${fmt(Math.round(loadRate))} events/s (concurrency ${opts.concurrency})`);
    out(
      `      of which ${generatingSeconds.toFixed(1)} s generating and MAC-chaining the events on the same thread: about ${fmt(Math.round(applyRate))} events/s for apply() alone`,
    );
    const expected = trail.expected;
    const mix = [...expected.byType].sort((a, b) => b[1] - a[1]).map(([type, n]) => `${type} ${((100 * n) / loaded).toFixed(1)}%`);
    out(`mix: ${mix.join(', ')}`);
    out();

    // ---- The figures read back must be what was generated.
    const reader = createPilotFiguresReader(store, keyNames);
    // The first read derives and keeps the summaries of the closed months and weeks (closed-periods.ts): timed apart.
    const firstReadStart = process.hrtime.bigint();
    const whole = await reader.read({ from: addDays(today, -(opts.days - 1)), to: today });
    const firstReadMs = Number(process.hrtime.bigint() - firstReadStart) / 1e6;
    const checks: Array<[string, number, number]> = [
      ['sign-ins', expected.signIns, whole.signIns.total],
      ['failures', expected.failures, whole.failures.total],
      ['fall-backs key → PSC', expected.fallbacks, whole.failures.fallbacksKeyToPsc],
      ['clinicians linked', expected.linked, whole.clinicians.linked],
      ['distinct active clinicians', expected.active.size, whole.clinicians.active],
    ];
    const checksOk = checks.every(([, want, got]) => want === got);
    out(
      `check over all ${opts.days} days: ${checks.map(([name, want, got]) => `${name} ${fmt(got)}${want === got ? '' : ` (expected ${fmt(want)})`}`).join(', ')} — ${checksOk ? 'OK' : 'MISMATCH'}`,
    );
    out(`first read of the ${opts.days} days, deriving and keeping the summaries of their closed months and weeks: ${firstReadMs.toFixed(1)} ms`);
    out();

    // ---- Redis footprint of the prefix.
    const usage = await keyUsage(redis as Redis, prefix, pilotKind);
    out(
      `redis: ${fmt(usage.keys)} keys, ${(usage.bytes / 2 ** 20).toFixed(1)} MiB by MEMORY USAGE (INFO used_memory grew ${((memoryAfter - memoryBefore) / 2 ** 20).toFixed(1)} MiB during the load)`,
    );
    for (const [kind, row] of [...usage.byKind].sort((a, b) => b[1].bytes - a[1].bytes)) {
      out(`  ${kind.padEnd(10)} ${pad(fmt(row.keys), 8)} keys ${pad((row.bytes / 2 ** 20).toFixed(2), 9)} MiB`);
    }
    out();

    // ---- Timed reads.
    const results: Record<string, Stats> = {};
    out(`reads: ${WARM_UP_READS} warm-up + ${opts.reads} timed reads per range, target p95 < ${TARGET_MS} ms`);
    out(
      `  ${'range'.padEnd(6)} ${'from'.padEnd(10)}  ${'to'.padEnd(10)} ${pad('sign-ins', 9)} ${pad('min', 8)} ${pad('median', 8)} ${pad('p95', 8)} ${pad('max', 8)}  result`,
    );
    for (const range of RANGES) {
      const from = addDays(today, -(range.days - 1));
      for (let i = 0; i < WARM_UP_READS; i += 1) await reader.read({ from, to: today });
      const samples: number[] = [];
      let signIns = 0;
      for (let i = 0; i < opts.reads; i += 1) {
        if (interrupted.raised) throw new Interrupted();
        const t0 = process.hrtime.bigint();
        const figures = await reader.read({ from, to: today });
        samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
        signIns = figures.signIns.total;
      }
      const stats = statsOf(samples);
      results[range.name] = stats;
      out(
        `  ${range.name.padEnd(6)} ${from}  ${today} ${pad(fmt(signIns), 9)} ${pad(ms(stats.min).toFixed(1), 8)} ${pad(ms(stats.median).toFixed(1), 8)} ${pad(ms(stats.p95).toFixed(1), 8)} ${pad(ms(stats.max).toFixed(1), 8)}  ${stats.p95 < TARGET_MS ? 'PASS' : 'FAIL'}`,
      );
    }
    const pass = Object.values(results).every((s) => s.p95 < TARGET_MS);
    out(`  load average after the reads: ${loadAverage()}`);
    out(`  (ms; ${pass ? 'every range is under' : 'NOT every range is under'} the ${TARGET_MS} ms target at p95)`);
    out();

    out(
      JSON.stringify({
        bench: 'pilot-figures',
        events: loaded,
        clinicians: opts.clinicians,
        days: opts.days,
        load: { seconds: ms(loadSeconds), events_per_s: Math.round(loadRate), apply_events_per_s: Math.round(applyRate), concurrency: opts.concurrency },
        redis: { keys: usage.keys, bytes: usage.bytes },
        ranges: Object.fromEntries(
          Object.entries(results).map(([name, s]) => [name, { min: ms(s.min), median: ms(s.median), p95: ms(s.p95), max: ms(s.max) }]),
        ),
        first_read_ms: ms(firstReadMs),
        checks: checksOk,
        target_ms: TARGET_MS,
        pass,
      }),
    );
    return pass && checksOk ? 0 : 1;
  } catch (err) {
    if (err instanceof Interrupted) return 130;
    throw err;
  } finally {
    interrupted.release();
    await store.close().catch(() => redis.disconnect());
    if (wroteKeys) await releasePrefix(bench, opts.keep);
  }
}

runBench('pilot-figures', main);
