/**
 * Loading a bench's events: `concurrency` calls of apply() in flight over one generator, a
 * progress line on stderr every 5 s or so; rethrows the first failure once all have stopped.
 */
import { fmt, note } from './cli.ts';

export interface ApplyAll<T> {
  items: Iterator<T>;
  apply: (item: T) => Promise<void>;
  concurrency: number;
  /** Stops taking items when true (Ctrl-C): the caller checks it again afterwards. */
  stopped: () => boolean;
  /** Progress lines: `  <verb> N / <total> (R events/s)`. */
  verb: string;
  total: number;
}

/** How many items were applied, and in how many seconds. */
export async function applyAll<T>({ items, apply, concurrency, stopped, verb, total }: ApplyAll<T>): Promise<{ applied: number; seconds: number }> {
  let applied = 0;
  let failure: unknown;
  const start = process.hrtime.bigint();
  let lastReport = start;
  const worker = async () => {
    for (;;) {
      if (failure !== undefined || stopped()) return;
      const next = items.next();
      if (next.done) return;
      try {
        await apply(next.value);
      } catch (err) {
        failure ??= err;
        return;
      }
      applied += 1;
      if (applied % 50_000 === 0) {
        const now = process.hrtime.bigint();
        if (now - lastReport > 5_000_000_000n) {
          lastReport = now;
          note(`  ${verb} ${fmt(applied)} / ${fmt(total)} (${fmt(Math.round(applied / (Number(now - start) / 1e9)))} events/s)`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failure !== undefined) throw failure;
  return { applied, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}
