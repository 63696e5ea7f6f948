/**
 * Concurrent requests counted against one key in one process share one Redis call: while a
 * count for a key is in flight, the requests that arrive for it wait, and the next call
 * counts all of them at once (`count(key, n)`, one INCRBY: limiter.ts countInRedis).
 * Each request's place in the total the call returns gives its verdict, exactly as n calls
 * one after the other would have: the count stays in Redis, shared by every instance, and
 * nothing is counted or allowed in memory. Under load, 30 token requests of one relying party
 * cost one script call instead of 30; alone, a request waits for no one but the end of the
 * event loop's current turn (its fellow requests of that turn join it). A group's call serves
 * several requests, so it runs outside any one request's scope, and each request waits for it
 * within its own store deadline (answer-deadline.ts): joining a call queued behind a stalled
 * Redis does not add that call's wait to the request's own.
 */
import { awaitShared, sharedWork } from '../store/answer-deadline.ts';

/** Points used in the key's window once a request is counted, and when the window ends. */
export interface Count {
  consumedPoints: number;
  msBeforeNext: number;
}

/** Adds `points` to the key's count in one atomic call and returns the new total. */
export type CountPoints = (key: string, points: number) => Promise<Count>;

interface Waiting {
  resolve(count: Count): void;
  reject(err: unknown): void;
}

/** Wraps `count` so that each call counts one point, grouped as described above. */
export function coalescedCount(count: CountPoints): (key: string) => Promise<Count> {
  // Keys with a call in flight, and the requests waiting for the next one (removed when idle).
  const keys = new Map<string, Waiting[]>();

  const run = (key: string, group: Waiting[]) => {
    sharedWork(() => count(key, group.length))
      .then(
        (total) => {
          // The group's requests, in arrival order, were counted last: the first is total - n + 1.
          group.forEach((w, i) => w.resolve({ consumedPoints: total.consumedPoints - group.length + 1 + i, msBeforeNext: total.msBeforeNext }));
        },
        (err: unknown) => {
          for (const w of group) w.reject(err);
        },
      )
      .finally(() => {
        const next = keys.get(key)!;
        if (next.length === 0) keys.delete(key);
        else {
          keys.set(key, []);
          run(key, next);
        }
      });
  };

  return (key) =>
    awaitShared(
      new Promise<Count>((resolve, reject) => {
        const waiting = keys.get(key);
        if (waiting) {
          waiting.push({ resolve, reject });
          return;
        }
        // The first request of an idle key waits for the end of this turn of the event loop:
        // the requests of that key that the same turn serves (under load, many) join it.
        keys.set(key, [{ resolve, reject }]);
        setImmediate(() => {
          const group = keys.get(key)!;
          keys.set(key, []);
          run(key, group);
        });
      }),
      'rate limit count',
    );
}
