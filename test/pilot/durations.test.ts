/** Time-to-sign-in buckets and the nearest-rank quantiles read from them. */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { bucketQuantile, durationBucket, OVER_TEN_MINUTES } from '../../src/pilot/durations.ts';

describe('pilot durations', () => {
  it('buckets 0.1 s wide to 10 s, 1 s to 1 min, 10 s to 10 min, then one bucket', () => {
    assert.equal(durationBucket(0), 100);
    assert.equal(durationBucket(3400), 3400);
    assert.equal(durationBucket(3401), 3500);
    assert.equal(durationBucket(10_000), 10_000);
    assert.equal(durationBucket(10_001), 11_000);
    assert.equal(durationBucket(60_000), 60_000);
    assert.equal(durationBucket(60_001), 70_000);
    assert.equal(durationBucket(600_000), 600_000);
    assert.equal(durationBucket(3_600_000), OVER_TEN_MINUTES);
    assert.throws(() => durationBucket(-1), /expected a duration/);
    assert.throws(() => durationBucket(Number.NaN), /expected a duration/);
  });

  it('reads the nearest-rank median and 90th percentile', () => {
    const counts = new Map([
      [2100, 1],
      [2500, 1],
    ]);
    assert.equal(bucketQuantile(counts, 0.5), 2100);
    assert.equal(bucketQuantile(counts, 0.9), 2500);
    // 10 values: 1..10 s. Median = 5th value, p90 = 9th value.
    const ten = new Map(Array.from({ length: 10 }, (_, i) => [(i + 1) * 1000, 1] as [number, number]));
    assert.equal(bucketQuantile(ten, 0.5), 5000);
    assert.equal(bucketQuantile(ten, 0.9), 9000);
    assert.equal(bucketQuantile(new Map([[1000, 0]]), 0.5), undefined);
    assert.equal(bucketQuantile(new Map(), 0.9), undefined);
  });
});
