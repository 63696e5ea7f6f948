/**
 * The command-line side of the Redis benches (pilot-figures.ts, audit-search.ts): figures on
 * stdout, progress on stderr, number formats, whole-number options (UsageError when one is off:
 * exit code 2 with the usage), the machine line, latency quantiles, Ctrl-C and the exit code.
 */
import os from 'node:os';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { Redis } from 'ioredis';
import { redactUrl } from '../src/store/redis-target.ts';

/** A figure line on stdout. */
export const out = (line = '') => process.stdout.write(`${line}\n`);
/** A progress or error line on stderr. */
export const note = (line: string) => process.stderr.write(`${line}\n`);
/** 1234567 → "1,234,567". */
export const fmt = (n: number) => n.toLocaleString('en-US');
/** Milliseconds to one decimal. */
export const ms = (n: number) => Math.round(n * 10) / 10;
export const pad = (text: string | number, width: number) => String(text).padStart(width);
export const loadAverage = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

/** A bad command line: the message says which option and what was expected. */
export class UsageError extends Error {}

/** `raw` as a whole number from min to max (underscores allowed: 1_000_000), `fallback` when absent. */
export function wholeNumber(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const text = raw.replaceAll('_', '');
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) throw new UsageError(`--${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

/** parseArgs, strict and without positionals; what it refuses becomes a UsageError. */
export function flags<const T extends ParseArgsOptionsConfig>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The options of both Redis benches over the pilot trail (pilot-trail.ts); each adds its own. */
export const TRAIL_BENCH_FLAGS = {
  events: { type: 'string' },
  clinicians: { type: 'string' },
  days: { type: 'string' },
  reads: { type: 'string' },
  concurrency: { type: 'string' },
  keep: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsOptionsConfig;

export interface TrailBenchOptions {
  /** Events generated and loaded. */
  events: number;
  /** Distinct clinicians. */
  clinicians: number;
  /** Paris days the events are spread over, ending today. */
  days: number;
  /** Timed reads (or searches) per case, after the warm-up ones. */
  reads: number;
  /** Loads in flight. */
  concurrency: number;
  /** Leave the keys in Redis. */
  keep: boolean;
}

/** The trail options from parsed TRAIL_BENCH_FLAGS; the limits that differ from bench to bench are the caller's. */
export function trailBenchOptions(
  values: ReturnType<typeof flags<typeof TRAIL_BENCH_FLAGS>>,
  limits: { maxEvents: number; reads: number; maxReads: number },
): TrailBenchOptions {
  return {
    events: wholeNumber('events', values.events, 1_000_000, 1, limits.maxEvents),
    clinicians: wholeNumber('clinicians', values.clinicians, 5_000, 1, 10_000_000),
    days: wholeNumber('days', values.days, 365, 1, 731),
    reads: wholeNumber('reads', values.reads, limits.reads, 1, limits.maxReads),
    concurrency: wholeNumber('concurrency', values.concurrency, 64, 1, 10_000),
    keep: values.keep,
  };
}

/**
 * The bench's options, or the exit code to return at once: 0 after --help (the usage on
 * stdout), 2 on a UsageError (`<bench> bench: <message>` and the usage on stderr).
 */
export function readOptions<T>(bench: string, usage: string, parse: (argv: string[]) => T | 'help'): T | number {
  let options: T | 'help';
  try {
    options = parse(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    note(`${bench} bench: ${err.message}\n${usage}`);
    return 2;
  }
  if (options !== 'help') return options;
  out(usage);
  return 0;
}

/** The machine and load-average lines every bench report starts with. */
export async function outMachine(redis: Redis, url: string): Promise<void> {
  const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
  const cpus = os.cpus();
  out(
    `machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, Redis ${version} at ${redactUrl(url)}`,
  );
  out(`load average at start: ${loadAverage()} (other processes on the machine skew the figures)`);
}

export interface Stats {
  min: number;
  median: number;
  p95: number;
  max: number;
}

/** Nearest-rank quantiles of durations in ms. */
export function statsOf(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
  return { min: sorted[0]!, median: rank(0.5), p95: rank(0.95), max: sorted.at(-1)! };
}

/** Ctrl-C asks the bench to stop and clean up (raised turns true) rather than kill it; release() in a finally. */
export function interruption(): { readonly raised: boolean; release(): void } {
  let raised = false;
  const onSigint = () => {
    raised = true;
    note('interrupted: stopping and cleaning up…');
  };
  process.on('SIGINT', onSigint);
  return {
    get raised() {
      return raised;
    },
    release() {
      process.off('SIGINT', onSigint);
    },
  };
}

/** Runs the bench's main: its answer is the exit code; a throw prints `<bench> bench failed:` and the stack, exit code 1. */
export function runBench(bench: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      note(`${bench} bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exitCode = 1;
    },
  );
}
