/** parseQuery with the query fields: what is accepted, and the problem named for each refusal. */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { parse as parseQueryString } from 'node:querystring';
import { parseQuery } from './parse-query.ts';
import { UserFacingError } from './errors.ts';
import { dayParam, dayRangeIssue, langParam, oneOfParam, patternParam } from './query-fields.ts';
import { pilotQuery } from '../pilot/range.ts';

const schema = z
  .strictObject({
    from: dayParam,
    to: dayParam,
    outcome: oneOfParam(['success', 'failure']),
    idNat: patternParam(/^\d{1,12}$/, 'query.idNat'),
    lang: langParam,
  })
  .superRefine((q, ctx) => {
    if (!q.from || !q.to) return;
    const issue = dayRangeIssue({ from: q.from, to: q.to }, 31, 'to');
    if (issue) ctx.addIssue(issue);
  });

/** The query as express reads it (node's querystring: duplicates become arrays). */
const query = (text: string) => parseQueryString(text);

function refusal(run: () => unknown): UserFacingError {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof UserFacingError);
    return err;
  }
  assert.fail('expected a refusal');
}

describe('parseQuery', () => {
  it('reads a good query; absent or empty parameters are not given', () => {
    assert.deepEqual(parseQuery(schema, query('from=2024-02-29&to=2024-03-01&outcome=success&lang=en')), {
      from: '2024-02-29',
      to: '2024-03-01',
      outcome: 'success',
      lang: 'en',
    });
    assert.deepEqual(parseQuery(schema, query('from=&to=&outcome=&idNat=')), { from: undefined, to: undefined, outcome: undefined, idNat: undefined });
    assert.deepEqual(parseQuery(schema, query('')), {});
  });

  it('names each parameter at fault with the key of what was expected', () => {
    const cases: Array<[string, string, string]> = [
      ['from=2026-13-45', 'from', 'query.day'],
      ['from=2026-02-30', 'from', 'query.day'],
      ['to=2026-02-29', 'to', 'query.day'],
      ['from=yesterday', 'from', 'query.day'],
      ['from=2026-01-01T00:00:00Z', 'from', 'query.day'],
      // Years the pilot's calendar cannot name (found by the fuzz: isoWeek of year 722, a 500).
      ['from=0722-06-21', 'from', 'query.day'],
      ['to=2100-01-01', 'to', 'query.day'],
      ['outcome=maybe', 'outcome', 'query.oneOf'],
      ['idNat=12a', 'idNat', 'query.idNat'],
      ['lang=de', 'lang', 'query.oneOf'],
      ['from=2026-01-01&from=2026-01-02', 'from', 'query.once'],
      ['outcome=success&outcome=failure', 'outcome', 'query.once'],
      ['limit=abc', 'limit', 'query.unknown'],
      ['__proto__=1', '__proto__', 'query.unknown'],
      ['from=2026-11-10&to=2026-11-01', 'to', 'query.endsBeforeStart'],
      ['from=2026-01-01&to=2026-03-01', 'to', 'query.span'],
      // The range check runs after a field failed (found by test/fuzz/staff-pages.test.ts: a RangeError, 500).
      ['from=2026-11-05&to=x', 'to', 'query.day'],
      ['from=x&to=2026-11-05', 'from', 'query.day'],
    ];
    for (const [text, parameter, key] of cases) {
      const err = refusal(() => parseQuery(schema, query(text)));
      assert.equal(err.status, 400, text);
      assert.equal(err.code, 'invalid_query', text);
      assert.deepEqual(
        err.problems.map((p) => [p.parameter, p.key]),
        [[parameter, key]],
        text,
      );
      assert.match(err.message, new RegExp(parameter), `${text}: the log line names the parameter`);
    }
  });

  it('says how many times a parameter came, which values and which parameters are accepted', () => {
    assert.deepEqual(refusal(() => parseQuery(schema, query('from=a&from=b&from=c'))).problems[0]?.params, { count: 3 });
    assert.deepEqual(refusal(() => parseQuery(schema, query('outcome=x'))).problems[0]?.params, { values: 'success, failure' });
    assert.deepEqual(refusal(() => parseQuery(schema, query('from=1999-12-31'))).problems[0]?.params, { first: 2000, last: 2099 });
    assert.deepEqual(refusal(() => parseQuery(schema, query('x=1'))).problems[0]?.params, { accepted: 'from, to, outcome, idNat, lang' });
    assert.deepEqual(refusal(() => parseQuery(schema, query('from=2026-11-10&to=2026-11-01'))).problems[0]?.params, { from: '2026-11-10', to: '2026-11-01' });
    assert.deepEqual(refusal(() => parseQuery(schema, query('from=2026-01-01&to=2026-03-01'))).problems[0]?.params, {
      from: '2026-01-01',
      to: '2026-03-01',
      days: 60,
      max: 31,
    });
  });

  it('lists every problem at once, and cuts long names', () => {
    const err = refusal(() => parseQuery(schema, query(`from=x&outcome=y&${'n'.repeat(100)}=1`)));
    assert.deepEqual(
      err.problems.map((p) => p.parameter),
      ['from', 'outcome', `${'n'.repeat(40)}…`],
    );
    assert.equal(
      refusal(() => parseQuery(schema, query(`${'𥚞'.repeat(50)}=1`))).problems[0]?.parameter,
      `${'𥚞'.repeat(40)}…`,
      'no surrogate pair cut in two',
    );
  });

  it('a schema that transforms (the pilot range) still lists the accepted parameters', () => {
    const now = Date.parse('2026-11-20T12:00:00Z');
    assert.deepEqual(parseQuery(pilotQuery(now), query('')), { from: '2026-10-22', to: '2026-11-20' });
    assert.deepEqual(parseQuery(pilotQuery(now), query('from=2026-01-01')), { from: '2026-01-01', to: '2026-01-30' });
    assert.deepEqual(parseQuery(pilotQuery(now), query('from=2026-11-15&lang=en')), { from: '2026-11-15', to: '2026-11-20' });
    assert.deepEqual(refusal(() => parseQuery(pilotQuery(now), query('page=2'))).problems[0]?.params, { accepted: 'from, to, lang' });
    assert.deepEqual(
      refusal(() => parseQuery(pilotQuery(now), query('from=2026-12-01'))).problems.map((p) => [p.parameter, p.key]),
      [['from', 'query.endsBeforeStart']],
    );
    assert.deepEqual(
      refusal(() => parseQuery(pilotQuery(now), query('from=2020-01-01&to=2026-01-01'))).problems.map((p) => [p.parameter, p.key]),
      [['to', 'query.span']],
    );
    assert.deepEqual(
      refusal(() => parseQuery(pilotQuery(now), query('from=2026-11-05&to=x&x=1'))).problems.map((p) => [p.parameter, p.key]),
      [
        ['to', 'query.day'],
        ['x', 'query.unknown'],
      ],
    );
  });
});
