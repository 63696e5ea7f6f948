import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { cutOutOfLarge, heapKeptBy, MiB } from '../../test/support/heap.ts';
import { ownCopy, setBounded } from './bounded-map.ts';

describe('setBounded', () => {
  it('keeps at most max entries, dropping the one stored longest ago; storing again makes an entry the newest', () => {
    const map = new Map<string, number>();
    setBounded(map, 'a', 1, 2);
    setBounded(map, 'b', 2, 2);
    setBounded(map, 'a', 3, 2);
    setBounded(map, 'c', 4, 2);
    assert.deepEqual(
      [...map],
      [
        ['a', 3],
        ['c', 4],
      ],
    );
  });

  it('keeps only the characters of what it holds, not the larger strings a key or a value was cut out of', async () => {
    const entries = 200;
    const map = new Map<string, string>();
    // Each key cut out of a request body of 64 KiB, each value out of a record text of 64 KiB.
    const kept = await heapKeptBy(() => {
      for (let i = 0; i < entries; i++) setBounded(map, cutOutOfLarge(String(i).padStart(43, 'c')), cutOutOfLarge(String(i).padStart(43, 'r')), entries);
    });
    // Kept whole, the bodies and records would weigh 2 × 200 × 64 KiB = 25 MiB.
    assert.ok(kept < 2 * MiB, `${entries} entries of two 43-character strings kept ${(kept / MiB).toFixed(1)} MiB`);
    assert.equal(map.size, entries);
    assert.equal(map.get('c'.repeat(42) + '7'), 'r'.repeat(42) + '7');
  });

  it('a copy is the same string, whatever its characters (a lone surrogate, quotes, control characters, non-Latin text)', () => {
    for (const text of ['\ud800' + 'x'.repeat(20), '"quoted" \\ back\nslash\u0000'.repeat(2), 'Établissement de santé — 医院', 'short']) {
      assert.equal(ownCopy(text), text);
    }
    const record = { id: 'x'.repeat(43) };
    assert.equal(ownCopy(record), record, 'anything but a string is kept as it is');
  });
});
