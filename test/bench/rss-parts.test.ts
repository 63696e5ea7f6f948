/**
 * The bench's account of the gateway's resident memory (bench/process-stats.ts, report.ts): the
 * peak and what it is made of, pages mapped from files (node's own code and data) and anonymous
 * ones (heap, allocator), read from /proc for a live process.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { rssOf, rssPeakWindow } from '../../bench/process-stats.ts';
import { rssPartsText } from '../../bench/report.ts';

describe("the bench's resident memory figures", () => {
  it('split a live process into file-backed and anonymous pages that add up to its RSS', () => {
    const now = rssOf(process.pid)!;
    assert.ok(now.bytes > 0 && now.fileBytes > 0 && now.anonBytes > 0);
    assert.ok(now.fileBytes + now.anonBytes <= now.bytes + 1024 * 1024, 'no more than the whole (shared memory aside)');
    assert.ok(now.fileBytes + now.anonBytes >= now.bytes * 0.9);
    assert.equal(rssOf(2 ** 30), undefined, 'a process that is gone');
  });

  it('keep the parts of the peak, and say them in the report', () => {
    const window = rssPeakWindow([process.pid, 2 ** 30], 10);
    const ballast = Buffer.alloc(64 * 1024 * 1024, 1); // touched: resident, anonymous
    const peak = window.stop();
    const parts = window.peakParts()!;
    assert.ok(peak >= ballast.length, `the peak (${peak} B) holds the 64 MiB just touched`);
    assert.ok(parts.anonBytes >= ballast.length);
    assert.match(rssPartsText(parts), /^ \(\d+ MiB mapped from files: node's code and data, libraries; \d+ MiB anonymous: V8 heap, allocator, buffers\)$/);
    assert.equal(rssPartsText(undefined), '');
    assert.equal(rssPeakWindow([2 ** 30]).peakParts(), undefined);
  });
});
