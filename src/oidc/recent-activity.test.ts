import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createRecentActivity } from './recent-activity.ts';
import { activityWriteIntervalMs } from './refresh-activity.ts';

describe('recent activity (a refresh that has nothing to write reads nothing)', () => {
  it('covers a session until the time remembered, then forgets it', () => {
    const recent = createRecentActivity();
    assert.equal(recent.covers('s1', 1_000), false, 'unknown: read the store');
    recent.remember('s1', 61_000);
    assert.equal(recent.covers('s1', 60_999), true);
    assert.equal(recent.covers('s1', 61_000), false, 'its time is up: read the store again');
    assert.equal(recent.covers('s1', 1_000), false, 'and the entry is gone');
  });

  it('remembers a bounded number of sessions, forgetting the least recently remembered', () => {
    const recent = createRecentActivity(3);
    for (const uid of ['a', 'b', 'c']) recent.remember(uid, 100);
    recent.remember('a', 100); // remembered again: now the newest
    recent.remember('d', 100);
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((uid) => recent.covers(uid, 0)),
      [true, false, true, true],
    );
  });

  it('writes at most once a minute, more often for an idle limit under 30 minutes', () => {
    assert.equal(activityWriteIntervalMs(30 * 60_000), 60_000);
    assert.equal(activityWriteIntervalMs(10 * 60_000), 20_000);
  });
});
