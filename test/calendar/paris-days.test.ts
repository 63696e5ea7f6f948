/** Paris days and ISO weeks, including the daylight-saving changes and year ends. */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { addDays, dayCount, daysFrom, isDay, isoWeek, parisDay, parisDayStart } from '../../src/calendar/paris-days.ts';

describe('pilot calendar', () => {
  it('puts an instant in its Paris day, whatever the UTC date', () => {
    assert.equal(parisDay('2026-11-18T22:59:59.999Z'), '2026-11-18'); // 23:59:59.999 in winter (UTC+1)
    assert.equal(parisDay('2026-11-18T23:00:00.000Z'), '2026-11-19'); // midnight in Paris
    assert.equal(parisDay('2026-07-14T21:59:59.999Z'), '2026-07-14'); // summer (UTC+2)
    assert.equal(parisDay('2026-07-14T22:00:00.000Z'), '2026-07-15');
    // 25 October 2026: clocks go back, the Paris day lasts 25 hours (22:00Z to 23:00Z next day).
    assert.equal(parisDay('2026-10-24T22:30:00Z'), '2026-10-25');
    assert.equal(parisDay('2026-10-25T22:30:00Z'), '2026-10-25');
    assert.equal(parisDay('2026-10-25T23:00:00Z'), '2026-10-26');
    // 29 March 2026: clocks go forward, the day lasts 23 hours.
    assert.equal(parisDay('2026-03-28T23:30:00Z'), '2026-03-29');
    assert.equal(parisDay('2026-03-29T21:59:00Z'), '2026-03-29');
    assert.equal(parisDay(Date.parse('2026-03-29T22:00:00Z')), '2026-03-30');
    assert.throws(() => parisDay('not a time'), /expected an instant/);
  });

  it("gives Intl's Paris date for every instant, asked in order or not (the day is kept per UTC hour)", () => {
    const reference = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });
    const from = Date.parse('2026-01-01T00:00:00Z');
    const to = Date.parse('2027-01-01T00:00:00Z');
    for (let ms = from; ms < to; ms += 7 * 60_000) assert.equal(parisDay(ms), reference.format(ms), new Date(ms).toISOString());
    for (const iso of [
      '2026-10-25T22:59:59.999Z',
      '2026-10-25T23:00:00.000Z',
      '2026-10-25T22:59:59.999Z',
      '2026-03-29T21:59:59.999Z',
      '2026-03-29T22:00:00.000Z',
      '2026-03-29T21:00:00.000Z',
    ]) {
      assert.equal(parisDay(iso), reference.format(Date.parse(iso)), iso);
    }
  });

  it('finds the instant a Paris day starts, on both sides of the clock changes', () => {
    const start = (day: string) => new Date(parisDayStart(day)).toISOString();
    assert.equal(start('2026-11-19'), '2026-11-18T23:00:00.000Z');
    assert.equal(start('2026-07-15'), '2026-07-14T22:00:00.000Z');
    assert.equal(start('2026-03-29'), '2026-03-28T23:00:00.000Z'); // the 23-hour day starts in winter time
    assert.equal(start('2026-03-30'), '2026-03-29T22:00:00.000Z');
    assert.equal(start('2026-10-25'), '2026-10-24T22:00:00.000Z'); // the 25-hour day starts in summer time
    assert.equal(start('2026-10-26'), '2026-10-25T23:00:00.000Z');
    for (const day of ['2026-01-01', '2026-03-29', '2026-10-25', '2026-12-31']) {
      assert.equal(parisDay(parisDayStart(day)), day);
      assert.equal(parisDay(parisDayStart(day) - 1), addDays(day, -1));
    }
    assert.throws(() => parisDayStart('2026-02-30'), /expected a day YYYY-MM-DD/);
  });

  it('knows real calendar days', () => {
    assert.equal(isDay('2028-02-29'), true);
    assert.equal(isDay('2026-02-29'), false);
    assert.equal(isDay('2026-13-01'), false);
    assert.equal(isDay('2026-1-01'), false);
    assert.equal(isDay(20261101), false);
  });

  it('walks days across months and years', () => {
    assert.equal(addDays('2026-12-31', 1), '2027-01-01');
    assert.equal(addDays('2026-03-01', -1), '2026-02-28');
    assert.deepEqual(daysFrom('2026-12-30', '2027-01-02'), ['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
    assert.equal(dayCount('2026-11-01', '2026-11-30'), 30);
    assert.deepEqual(daysFrom('2026-11-02', '2026-11-01'), []);
  });

  it('names ISO weeks, including week 53 and weeks that straddle a year', () => {
    assert.equal(isoWeek('2026-11-23'), '2026-W48'); // a Monday
    assert.equal(isoWeek('2026-11-22'), '2026-W47'); // a Sunday
    assert.equal(isoWeek('2026-01-01'), '2026-W01'); // a Thursday
    assert.equal(isoWeek('2027-01-01'), '2026-W53'); // 2026 has 53 weeks
    assert.equal(isoWeek('2024-12-30'), '2025-W01');
    assert.equal(isoWeek('2027-01-04'), '2027-W01');
  });
});
