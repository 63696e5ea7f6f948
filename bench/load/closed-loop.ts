/**
 * A closed-loop load driver for multi-step journeys: `concurrency` virtual users, each
 * running one journey after another until the time is up or there is no work left. It
 * records each journey's duration and every failure (with the first few messages), and
 * reports progress once a second.
 */
import { percentile } from './stats.ts';

export interface LoopResult {
  completed: number;
  errors: number;
  /** The first distinct error messages (at most 5). */
  errorSamples: string[];
  seconds: number;
  perSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
}

export interface LoopOptions {
  concurrency: number;
  /** Stop starting journeys after this many seconds. */
  seconds: number;
  /** Or when this many journeys were started (default: no limit). */
  maxJourneys?: number;
  progress?: (done: number, errors: number, elapsedSeconds: number) => void;
}

/** Runs `journey(user, n)` (n = journey number, from 0) in a loop per virtual user. */
export async function closedLoop(options: LoopOptions, journey: (user: number, n: number) => Promise<unknown>): Promise<LoopResult> {
  const durations: number[] = [];
  const samples = new Set<string>();
  let errors = 0;
  let started = 0;
  const t0 = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e9;
  const deadline = options.seconds;
  const limit = options.maxJourneys ?? Infinity;
  const ticker = setInterval(() => options.progress?.(durations.length, errors, elapsed()), 1000);

  const user = async (index: number) => {
    while (elapsed() < deadline && started < limit) {
      const n = started;
      started += 1;
      const begin = process.hrtime.bigint();
      try {
        await journey(index, n);
        durations.push(Number(process.hrtime.bigint() - begin) / 1e6);
      } catch (err) {
        errors += 1;
        if (samples.size < 5) samples.add((err as Error).message.slice(0, 300));
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, (_, i) => user(i)));
  } finally {
    clearInterval(ticker);
  }
  const seconds = elapsed();
  durations.sort((a, b) => a - b);
  return {
    completed: durations.length,
    errors,
    errorSamples: [...samples],
    seconds,
    perSecond: durations.length / seconds,
    latencyMs: { p50: percentile(durations, 50), p99: percentile(durations, 99), max: durations.at(-1) ?? 0 },
  };
}
