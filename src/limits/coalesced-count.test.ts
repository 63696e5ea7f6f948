import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { coalescedCount, type Count } from './coalesced-count.ts';

/** A counter like Redis's: one total per key; records each call's (key, points). */
function fakeCounter() {
  const totals = new Map<string, number>();
  const calls: Array<[string, number]> = [];
  const count = async (key: string, points: number): Promise<Count> => {
    calls.push([key, points]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const total = (totals.get(key) ?? 0) + points;
    totals.set(key, total);
    return { consumedPoints: total, msBeforeNext: 1000 };
  };
  return { count, calls, totals };
}

describe('coalescedCount', () => {
  it('counts the requests of one turn of the event loop in one call, and those that arrive while it is in flight in one next call, each at its place', async () => {
    const { count, calls } = fakeCounter();
    const consume = coalescedCount(count);
    const sameTurn = Array.from({ length: 4 }, () => consume('rp'));
    await new Promise((resolve) => setImmediate(resolve)); // the first call is now in flight
    const later = Array.from({ length: 6 }, () => consume('rp'));
    const answers = await Promise.all([...sameTurn, ...later]);
    assert.deepEqual(
      calls,
      [
        ['rp', 4],
        ['rp', 6],
      ],
      'the four of the first turn together, then the six that waited',
    );
    assert.deepEqual(
      answers.map((a) => a.consumedPoints),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      'the same places as ten calls one after the other',
    );
  });

  it('keeps keys apart, and a later request after an idle key calls again', async () => {
    const { count, calls, totals } = fakeCounter();
    const consume = coalescedCount(count);
    await Promise.all([consume('a'), consume('b'), consume('a')]);
    assert.deepEqual(calls, [
      ['a', 2],
      ['b', 1],
    ]);
    assert.equal((await consume('a')).consumedPoints, 3);
    assert.deepEqual(calls.at(-1), ['a', 1]);
    assert.deepEqual(Object.fromEntries(totals), { a: 3, b: 1 });
  });

  it('rejects every request of a failed call, and the next call still runs', async () => {
    let fail = true;
    const consume = coalescedCount(async (_key, points) => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (fail) throw new Error('redis down');
      return { consumedPoints: points, msBeforeNext: 1 };
    });
    const first = consume('k');
    await new Promise((resolve) => setImmediate(resolve)); // its call is in flight
    const waiting = [consume('k'), consume('k')];
    await assert.rejects(first, /redis down/);
    fail = false;
    assert.deepEqual(
      (await Promise.all(waiting)).map((a) => a.consumedPoints),
      [1, 2],
    );
  });
});
