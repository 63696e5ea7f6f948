/**
 * A process's memory of sessions whose activity needs no write yet (refresh-activity.ts): a refresh within activityWriteIntervalMs of the stored activity writes
 * nothing, and with this memory reads nothing either.
 */
import { setBounded } from '../store/bounded-map.ts';

/** Sessions remembered by one process, at most (the oldest forgotten first). */
export const RECENT_ACTIVITY_MAX = 10_000;

/**
 * What one process knows of sessions' recorded activity: until when a refresh of each has
 * nothing to write (its stored activity is recent enough), so that it reads nothing either.
 * Only ever skips a write that rule would skip; another instance's later write is
 * harmless (it is later still). Bounded; entries past their time are dropped as they are met.
 */
export interface RecentActivity {
  covers(uid: string, now: number): boolean;
  remember(uid: string, until: number): void;
}

export function createRecentActivity(max = RECENT_ACTIVITY_MAX): RecentActivity {
  const until = new Map<string, number>();
  return {
    covers(uid, now) {
      const time = until.get(uid);
      if (time === undefined) return false;
      if (now < time) return true;
      until.delete(uid);
      return false;
    },
    remember(uid, time) {
      setBounded(until, uid, time, max);
    },
  };
}
