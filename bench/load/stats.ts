/** Nearest-rank percentile of an ascending array (0 when empty), rounded to 0.1. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return Math.round(sorted[Math.min(rank, sorted.length) - 1]! * 10) / 10;
}
