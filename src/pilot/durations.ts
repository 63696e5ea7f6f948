/**
 * Time to sign in, kept per day as counts in buckets so that a median or 90th percentile over
 * any range is read without the raw values: 0.1 s wide up to 10 s, 1 s wide up to 1 min,
 * 10 s wide up to 10 min, then one bucket "over 10 min". A bucket is named by its upper
 * bound in ms, so a duration of exactly 3,400 ms is in bucket 3400 and reported as 3.4 s.
 */

/** The bucket of "longer than ten minutes". */
export const OVER_TEN_MINUTES = 600_001;

export function durationBucket(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`expected a duration in ms, got ${String(ms)}`);
  if (ms <= 10_000) return Math.max(100, Math.ceil(ms / 100) * 100);
  if (ms <= 60_000) return Math.ceil(ms / 1_000) * 1_000;
  if (ms <= 600_000) return Math.ceil(ms / 10_000) * 10_000;
  return OVER_TEN_MINUTES;
}

/**
 * Nearest-rank quantile (q in (0, 1]) over bucket counts: the bucket holding the value of
 * rank ceil(q × n). Undefined when there is no value.
 */
export function bucketQuantile(counts: ReadonlyMap<number, number>, q: number): number | undefined {
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const bucket of [...counts.keys()].sort((a, b) => a - b)) {
    seen += counts.get(bucket) ?? 0;
    if (seen >= rank) return bucket;
  }
  return undefined;
}
