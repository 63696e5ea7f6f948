/**
 * Bench: the pilot dashboard's read over a year of audit events (issue target: a read under
 * 200 ms with one million events).
 *
 * 1. Loads `--events` synthetic, chained audit events (deterministic PRNG, a production-like
 *    mix of types) spread over the `--days` Paris days ending today, each one applied through
 *    createPilotAggregates(...).apply(event): the code path the gateway runs when an event is
 *    chained (recorder onRecorded hook), over the gateway's own Redis connection settings.
 * 2. Checks that the figures read back equal what was generated (sign-ins, failures,
 *    fall-backs, links, distinct active clinicians).
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
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Cluster, Redis } from 'ioredis';
import { addDays, createPilotAggregates, createPilotFiguresReader, parisDay } from '../src/pilot/index.ts';
import { createKeys, createRedisConnection, createRedisStore } from '../src/store/index.ts';
import { redactUrl } from '../src/store/redis-target.ts';
import { deletePrefix } from '../test/support/redis.ts';
import { createTrail } from './pilot-trail.ts';

const TARGET_MS = 200;
const WARM_UP_READS = 3;
const RANGES = [
  { name: '7d', days: 7 },
  { name: '30d', days: 30 },
  { name: '90d', days: 90 },
  { name: '365d', days: 365 },
] as const;

const out = (line = '') => process.stdout.write(`${line}\n`);
const note = (line: string) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  events: number;
  clinicians: number;
  days: number;
  reads: number;
  concurrency: number;
  keep: boolean;
}

const USAGE = `usage: node bench/pilot-figures.ts [--events N] [--clinicians N] [--days N] [--reads N] [--concurrency N] [--keep]
  --events       audit events loaded (default 1000000)
  --clinicians   distinct clinicians (default 5000)
  --days         Paris days the events are spread over, ending today (default 365, at most 731)
  --reads        timed reads per range, after ${WARM_UP_READS} warm-up reads (default 30)
  --concurrency  events applied at once while loading (default 64)
  --keep         leave the keys in Redis for inspection (the prefix is printed)
  BENCH_REDIS_URL  Redis server (default redis://127.0.0.1:6379)`;

class UsageError extends Error {}

function wholeNumber(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const text = raw.replaceAll('_', '');
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name}: expected a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`--${name}: expected ${min} to ${max}, got ${value}`);
  return value;
}

function parseOptions(argv: string[]): Options | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        events: { type: 'string' },
        clinicians: { type: 'string' },
        days: { type: 'string' },
        reads: { type: 'string' },
        concurrency: { type: 'string' },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  return {
    events: wholeNumber('events', values.events, 1_000_000, 1, 100_000_000),
    clinicians: wholeNumber('clinicians', values.clinicians, 5_000, 1, 10_000_000),
    days: wholeNumber('days', values.days, 365, 1, 731),
    reads: wholeNumber('reads', values.reads, 30, 1, 100_000),
    concurrency: wholeNumber('concurrency', values.concurrency, 64, 1, 10_000),
    keep: values.keep,
  };
}


// ---------------------------------------------------------------------------------------------
// Measuring

interface Stats {
  min: number;
  median: number;
  p95: number;
  max: number;
}

/** Nearest-rank quantiles of durations in ms. */
function statsOf(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
  return { min: sorted[0]!, median: rank(0.5), p95: rank(0.95), max: sorted.at(-1)! };
}

const ms = (value: number) => Math.round(value * 10) / 10;
const fmt = (value: number) => value.toLocaleString('en-US');
const pad = (text: string | number, width: number) => String(text).padStart(width);

const loadAverage = () => os.loadavg().map((n) => n.toFixed(2)).join(' ');

function usedMemory(info: string): number {
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

interface KeyUsage {
  keys: number;
  bytes: number;
  byKind: Map<string, { keys: number; bytes: number }>;
}

/** Every key under the prefix (SCAN) with its MEMORY USAGE (all nested values counted). */
async function keyUsage(redis: Redis | Cluster, prefix: string): Promise<KeyUsage> {
  const usage: KeyUsage = { keys: 0, bytes: 0, byKind: new Map() };
  const node = redis as Redis;
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    const sizes = await Promise.all(keys.map((key) => node.memory('USAGE', key, 'SAMPLES', 0)));
    keys.forEach((key, i) => {
      const kind = /^\{pilot\}:([a-z]+)/.exec(key.slice(prefix.length))?.[1] ?? 'other';
      const bytes = Number(sizes[i] ?? 0);
      const row = usage.byKind.get(kind) ?? { keys: 0, bytes: 0 };
      row.keys += 1;
      row.bytes += bytes;
      usage.byKind.set(kind, row);
      usage.keys += 1;
      usage.bytes += bytes;
    });
  } while (cursor !== '0');
  return usage;
}

class Interrupted extends Error {}

async function main(): Promise<number> {
  let options: Options | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    note(`pilot-figures bench: ${err.message}\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    out(USAGE);
    return 0;
  }
  const opts = options;

  const url = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `hcbench:pilot:${process.pid}:${randomBytes(4).toString('hex')}:`;
  // The gateway's own connection settings (auto-pipelining included), as in production.
  const redis = createRedisConnection({ url });
  const store = createRedisStore(redis);
  const keys = createKeys(prefix);
  try {
    await store.ping();
  } catch (err) {
    redis.disconnect();
    note(`pilot-figures bench: cannot reach Redis at ${redactUrl(url)} (BENCH_REDIS_URL): ${(err as Error).message}`);
    return 1;
  }

  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    note('interrupted: stopping and cleaning up…');
  };
  process.on('SIGINT', onSigint);
  let wroteKeys = false;
  try {
    const server = await (redis as Redis).info('server');
    const redisVersion = /redis_version:(\S+)/.exec(server)?.[1] ?? '?';
    const today = parisDay(Date.now());
    const cpus = os.cpus();
    out(`pilot figures bench — ${new Date().toISOString()}`);
    out(`machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, Redis ${redisVersion} at ${redactUrl(url)}`);
    out(`load average at start: ${loadAverage()} (other processes on the machine skew the figures)`);
    out(`data: ${fmt(opts.events)} events, ${fmt(opts.clinicians)} clinicians, ${opts.days} Paris days ending ${today}; prefix ${prefix}`);
    out();

    // ---- Load, through the gateway's aggregation code path.
    const memoryBefore = usedMemory(await (redis as Redis).info('memory'));
    const trail = createTrail(opts, today);
    const events = trail.events();
    const aggregates = createPilotAggregates(store, keys);
    let loaded = 0;
    let generatingNs = 0n;
    let failure: unknown;
    const loadStart = process.hrtime.bigint();
    let lastReport = loadStart;
    wroteKeys = true;
    const worker = async () => {
      for (;;) {
        if (failure !== undefined || interrupted) return;
        const t0 = process.hrtime.bigint();
        const next = events.next();
        generatingNs += process.hrtime.bigint() - t0;
        if (next.done) return;
        try {
          await aggregates.apply(next.value);
        } catch (err) {
          failure ??= err;
          return;
        }
        loaded += 1;
        if (loaded % 50_000 === 0) {
          const now = process.hrtime.bigint();
          if (now - lastReport > 5_000_000_000n) {
            lastReport = now;
            const seconds = Number(now - loadStart) / 1e9;
            note(`  loaded ${fmt(loaded)} / ${fmt(opts.events)} (${fmt(Math.round(loaded / seconds))} events/s)`);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    if (failure !== undefined) throw failure;
    if (interrupted) throw new Interrupted();
    const loadSeconds = Number(process.hrtime.bigint() - loadStart) / 1e9;
    const loadRate = loaded / loadSeconds;
    const memoryAfter = usedMemory(await (redis as Redis).info('memory'));

    const generatingSeconds = Number(generatingNs) / 1e9;
    const applyRate = loaded / Math.max(loadSeconds - generatingSeconds, 1e-9);
    out(`load: ${fmt(loaded)} events applied in ${loadSeconds.toFixed(1)} s = ${fmt(Math.round(loadRate))} events/s (concurrency ${opts.concurrency})`);
    out(`      of which ${generatingSeconds.toFixed(1)} s generating and MAC-chaining the events on the same thread: about ${fmt(Math.round(applyRate))} events/s for apply() alone`);
    const expected = trail.expected;
    const mix = [...expected.byType].sort((a, b) => b[1] - a[1]).map(([type, n]) => `${type} ${((100 * n) / loaded).toFixed(1)}%`);
    out(`mix: ${mix.join(', ')}`);
    out();

    // ---- The figures read back must be what was generated.
    const reader = createPilotFiguresReader(store, keys);
    const whole = await reader.read({ from: addDays(today, -(opts.days - 1)), to: today });
    const checks: Array<[string, number, number]> = [
      ['sign-ins', expected.signIns, whole.signIns.total],
      ['failures', expected.failures, whole.failures.total],
      ['fall-backs key → PSC', expected.fallbacks, whole.failures.fallbacksKeyToPsc],
      ['clinicians linked', expected.linked, whole.clinicians.linked],
      ['distinct active clinicians', expected.active.size, whole.clinicians.active],
    ];
    const checksOk = checks.every(([, want, got]) => want === got);
    out(`check over all ${opts.days} days: ${checks.map(([name, want, got]) => `${name} ${fmt(got)}${want === got ? '' : ` (expected ${fmt(want)})`}`).join(', ')} — ${checksOk ? 'OK' : 'MISMATCH'}`);
    out();

    // ---- Redis footprint of the prefix.
    const usage = await keyUsage(redis, prefix);
    out(`redis: ${fmt(usage.keys)} keys, ${(usage.bytes / 2 ** 20).toFixed(1)} MiB by MEMORY USAGE (INFO used_memory grew ${((memoryAfter - memoryBefore) / 2 ** 20).toFixed(1)} MiB during the load)`);
    for (const [kind, row] of [...usage.byKind].sort((a, b) => b[1].bytes - a[1].bytes)) {
      out(`  ${kind.padEnd(10)} ${pad(fmt(row.keys), 8)} keys ${pad((row.bytes / 2 ** 20).toFixed(2), 9)} MiB`);
    }
    out();

    // ---- Timed reads.
    const results: Record<string, Stats> = {};
    out(`reads: ${WARM_UP_READS} warm-up + ${opts.reads} timed reads per range, target p95 < ${TARGET_MS} ms`);
    out(`  ${'range'.padEnd(6)} ${'from'.padEnd(10)}  ${'to'.padEnd(10)} ${pad('sign-ins', 9)} ${pad('min', 8)} ${pad('median', 8)} ${pad('p95', 8)} ${pad('max', 8)}  result`);
    for (const range of RANGES) {
      const from = addDays(today, -(range.days - 1));
      for (let i = 0; i < WARM_UP_READS; i += 1) await reader.read({ from, to: today });
      const samples: number[] = [];
      let signIns = 0;
      for (let i = 0; i < opts.reads; i += 1) {
        if (interrupted) throw new Interrupted();
        const t0 = process.hrtime.bigint();
        const figures = await reader.read({ from, to: today });
        samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
        signIns = figures.signIns.total;
      }
      const stats = statsOf(samples);
      results[range.name] = stats;
      out(`  ${range.name.padEnd(6)} ${from}  ${today} ${pad(fmt(signIns), 9)} ${pad(ms(stats.min).toFixed(1), 8)} ${pad(ms(stats.median).toFixed(1), 8)} ${pad(ms(stats.p95).toFixed(1), 8)} ${pad(ms(stats.max).toFixed(1), 8)}  ${stats.p95 < TARGET_MS ? 'PASS' : 'FAIL'}`);
    }
    const pass = Object.values(results).every((s) => s.p95 < TARGET_MS);
    out(`  load average after the reads: ${loadAverage()}`);
    out(`  (ms; ${pass ? 'every range is under' : 'NOT every range is under'} the ${TARGET_MS} ms target at p95)`);
    out();

    out(JSON.stringify({
      bench: 'pilot-figures',
      events: loaded,
      clinicians: opts.clinicians,
      days: opts.days,
      load: { seconds: ms(loadSeconds), events_per_s: Math.round(loadRate), apply_events_per_s: Math.round(applyRate), concurrency: opts.concurrency },
      redis: { keys: usage.keys, bytes: usage.bytes },
      ranges: Object.fromEntries(Object.entries(results).map(([name, s]) => [name, { min: ms(s.min), median: ms(s.median), p95: ms(s.p95), max: ms(s.max) }])),
      checks: checksOk,
      target_ms: TARGET_MS,
      pass,
    }));
    return pass && checksOk ? 0 : 1;
  } catch (err) {
    if (err instanceof Interrupted) return 130;
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    await store.close().catch(() => redis.disconnect());
    if (wroteKeys && opts.keep) {
      note(`--keep: keys left under ${prefix} (delete with: redis-cli --scan --pattern '${prefix}*' | xargs -r redis-cli unlink)`);
    } else if (wroteKeys) {
      await deletePrefix(prefix, url);
    }
  }
}

main().then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    note(`pilot-figures bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
