/**
 * What a test keeps on V8's heap: the bytes in use after a full collection, before and after
 * some work. Vitest's forks are not started with --expose-gc; the collector is asked for here.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

function collect(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/** Bytes still in use once `work` is done and garbage is collected, beyond those in use before (what `work` left reachable). */
export async function heapKeptBy(work: () => unknown): Promise<number> {
  collect();
  const before = process.memoryUsage().heapUsed;
  await work();
  collect();
  return process.memoryUsage().heapUsed - before;
}

/** A string of `size` characters with `id` at `at`, and `id` cut out of it as the query-string parser cuts a parameter (a view into the larger string). */
export function cutOutOfLarge(id: string, size = 64 * 1024): string {
  const padded = `x=${id}&pad=${'p'.repeat(size)}`;
  const cut = padded.slice(2, 2 + id.length);
  if (cut !== id) throw new Error('cutOutOfLarge: the id was not cut back out');
  return cut;
}

export const MiB = 1024 * 1024;
