import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { setBounded } from './bounded-map.ts';

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
});
