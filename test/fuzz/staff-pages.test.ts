/**
 * Fuzzing the staff pages' query parameters: GET /admin/audit, /pilot, /pilot/report,
 * /pilot/export.csv and /pilot/export.json, signed in as a member of both teams, with good
 * queries mutated (any value, impossible dates, parameters deleted, duplicated or unknown) and
 * percent-encoding garbage. For every input: no 5xx; a page answers the gateway's page (200 or
 * a 400), an export its file or a JSON 400; a query with an unknown or repeated parameter is
 * refused; a refusal records nothing in the audit trail and changes nothing stored.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, signIn } from '../support/psc-login.ts';
import { AUDIT_EVENT_TYPES } from '../../src/audit/types.ts';
import {
  applyMutations,
  assertHealthy,
  assertHtmlPage,
  assertHtmlRefusal,
  assertJsonAnswer,
  assertNoServerError,
  formEncode,
  parameterMutations,
  percentGarbage,
  refusedByHttpServer,
  runFuzz,
  send,
  type Answer,
  type ParameterMutation,
} from './checks.ts';
import { stateChanges, stateProbe, type StateProbe } from './state.ts';

const STAFF = '899700427885';
let stack: Stack;
let probe: StateProbe;
/** The Cookie header of the staff member's gateway session. */
let cookie: string;

beforeAll(async () => {
  stack = await startStack({ name: 'fuzz-staff', overrides: { 'limits.enabled': false, 'admin.idNats': [STAFF], 'pilot.staffIdNats': [STAFF] } });
  probe = await stateProbe(stack.prefix);
  const browser = new TestBrowser();
  await exchange(await signIn(stack, browser, { choice: { practitioner: STAFF, means: 'card' } }));
  cookie = await browser.jar.getCookieString(`${stack.issuer}/pilot`);
  // token.issued is chained just after the token answer: let it land before counting events.
  for (let tries = 0; tries < 50 && (await lastEventType()) !== 'token.issued'; tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
});
afterAll(async () => {
  await probe.close();
  await stack.close();
});

async function lastEventType(): Promise<string | undefined> {
  return (await stack.gateways[0]!.auditLog.range({ order: 'newest-first', limit: 1 }))[0]?.type;
}

async function auditSeq(): Promise<number | undefined> {
  return (await stack.gateways[0]!.auditLog.head())?.seq;
}

const ADMIN_PARAMETERS = ['idNat', 'client', 'type', 'outcome', 'from', 'to', 'lang'] as const;
const PILOT_PARAMETERS = ['from', 'to', 'lang'] as const;

const ROUTES = [
  { path: '/admin/audit', answers: 'page', parameters: ADMIN_PARAMETERS },
  { path: '/pilot', answers: 'page', parameters: PILOT_PARAMETERS },
  { path: '/pilot/report', answers: 'page', parameters: PILOT_PARAMETERS },
  { path: '/pilot/export.csv', answers: 'file', parameters: PILOT_PARAMETERS },
  { path: '/pilot/export.json', answers: 'file', parameters: PILOT_PARAMETERS },
] as const;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A day written YYYY-MM-DD: a real one near today, or one that does not exist (month 13, 30 February). */
const realDay = fc.integer({ min: -800, max: 60 }).map((offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10));
const anyDay = fc.oneof(
  { arbitrary: realDay, weight: 4 },
  {
    arbitrary: fc
      .record({ y: fc.integer({ min: 0, max: 9999 }), m: fc.integer({ min: 0, max: 13 }), d: fc.integer({ min: 0, max: 32 }) })
      .map(({ y, m, d }) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`),
    weight: 2,
  },
  {
    arbitrary: fc.constantFrom(
      '2026-13-45',
      '2026-02-30',
      '2026-02-29',
      '2024-02-29',
      '0000-01-01',
      '9999-12-31',
      '2026-1-1',
      '2026/01/01',
      '01/02/2026',
      '2026-01-01T00:00:00Z',
      'today',
      '',
    ),
    weight: 2,
  },
);

const PLAUSIBLE: Record<string, fc.Arbitrary<string>> = {
  from: anyDay,
  to: anyDay,
  idNat: fc.oneof(fc.constantFrom(STAFF, '810101234561', ''), fc.string({ unit: fc.constantFrom(...'0123456789abcXYZ'), maxLength: 45 })),
  client: fc.oneof(fc.constantFrom('test-rp', 'third-party-rp', 'a b', ''), fc.string({ unit: fc.constantFrom(...'abz09._:-/'), maxLength: 130 })),
  type: fc.oneof(fc.constantFrom(...AUDIT_EVENT_TYPES), fc.constantFrom('signin', 'SIGNIN.FAILED', 'x.y', '')),
  outcome: fc.constantFrom('success', 'failure', 'info', 'maybe', 'SUCCESS', ''),
  lang: fc.constantFrom('fr', 'en', 'de', 'FR', ''),
};

/** A good query of the route to mutate: nothing, or a few good criteria. */
function goodQuery(route: (typeof ROUTES)[number]): fc.Arbitrary<Array<[string, string]>> {
  const range = realDay.chain((to) =>
    fc.integer({ min: 0, max: 29 }).map((back): Array<[string, string]> => [
      ['from', new Date(Date.parse(to) - back * 86_400_000).toISOString().slice(0, 10)],
      ['to', to],
    ]),
  );
  const extra: fc.Arbitrary<Array<[string, string]>> =
    route.path === '/admin/audit'
      ? fc.subarray<[string, string]>([
          ['outcome', 'success'],
          ['type', 'signin.succeeded'],
          ['idNat', STAFF],
          ['client', 'test-rp'],
          ['lang', 'fr'],
        ])
      : fc.subarray<[string, string]>([['lang', 'en']]);
  return fc.oneof(
    fc.constant<Array<[string, string]>>([]),
    fc.tuple(range, extra).map(([r, e]) => [...r, ...e]),
  );
}

interface Target {
  route: number;
  base: Array<[string, string]>;
  mutations: ParameterMutation[];
  /** Raw text appended to the query (percent-encoding garbage), or none. */
  garbage: string | undefined;
}

const target: fc.Arbitrary<Target> = fc.nat({ max: ROUTES.length - 1 }).chain((route) =>
  fc.record({
    route: fc.constant(route),
    base: goodQuery(ROUTES[route]!),
    // One query in four unchanged: the good ones must be answered too.
    mutations: fc.oneof(
      { arbitrary: fc.constant<ParameterMutation[]>([]), weight: 1 },
      {
        arbitrary: fc.array(fc.oneof(...parameterMutations(ROUTES[route]!.parameters, PLAUSIBLE, { set: 5, delete: 1, duplicate: 2 })), {
          minLength: 1,
          maxLength: 4,
        }),
        weight: 3,
      },
    ),
    garbage: fc.option(percentGarbage, { nil: undefined, freq: 6 }),
  }),
);

/**
 * A refusal the query itself calls for, from its parameters as sent (node's querystring reads
 * them the same way): a name the page does not take, or a name given twice. Undefined when
 * the query has garbage appended (its names are whatever the parser makes of it).
 */
function mustRefuse(route: (typeof ROUTES)[number], params: Array<[string, string]>, garbage: string | undefined): string | undefined {
  if (garbage !== undefined) return undefined;
  const names = params.map(([k]) => k);
  const unknown = names.find((n) => !(route.parameters as readonly string[]).includes(n));
  if (unknown !== undefined) return `the unknown parameter ${JSON.stringify(unknown.slice(0, 40))}`;
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  return repeated === undefined ? undefined : `${repeated} given twice`;
}

function assertFile(answer: Answer, path: string, context: string): void {
  assert.match(answer.headers.get('content-type') ?? '', path.endsWith('.csv') ? /^text\/csv/ : /^application\/json/, context);
  assert.match(
    answer.headers.get('content-disposition') ?? '',
    /^attachment; filename="?hospiconnect-pilote-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.(csv|json)"?$/,
    context,
  );
}

async function fuzzStaffPage({ route: index, base, mutations, garbage }: Target): Promise<void> {
  const route = ROUTES[index]!;
  const params = applyMutations(base, mutations);
  const query = [formEncode(params), garbage].filter((part) => part).join('&');
  const url = `${stack.issuer}${route.path}${query ? `?${query}` : ''}`;
  const context = `GET ${route.path}?${query.slice(0, 300)}`;

  const before = await probe.snapshot();
  const seq = await auditSeq();
  const answer = await send(url, { headers: { cookie, accept: 'text/html' } });
  assertNoServerError(answer, context);
  const refusal = mustRefuse(route, params, garbage);
  if (answer.status >= 400) {
    if (!refusedByHttpServer(answer)) assert.equal(answer.status, 400, `${context}: a bad query is a 400 (got ${answer.status}: ${answer.body.slice(0, 200)})`);
    if (route.answers === 'file' && !refusedByHttpServer(answer)) assertJsonAnswer(answer, context);
    else assertHtmlRefusal(answer, context);
    assert.equal(await auditSeq(), seq, `${context}: a refused request records nothing`);
    assert.deepEqual(stateChanges(before, await probe.snapshot()), [], `${context}: a refused request changes nothing stored`);
    return;
  }
  assert.equal(refusal, undefined, `${context}: accepted (${answer.status}) with ${refusal}`);
  assert.equal(answer.status, 200, `${context}: a staff member's good query is answered (got ${answer.status}, to ${answer.headers.get('location')})`);
  if (route.answers === 'file') assertFile(answer, route.path, context);
  else assertHtmlPage(answer, context);
}

describe("fuzzing the staff pages' query parameters", () => {
  it('mutated queries of /admin/audit, /pilot, /pilot/report and the exports: a 400 (JSON for the exports) or an answer, never a 5xx; refusals store nothing', async () => {
    const find = (path: string) => ROUTES.findIndex((r) => r.path === path);
    // The defect this file was written for and its neighbours, then what this property found
    // (minimised): the range check ran on a `to` that had already failed (RangeError, 500); the
    // pilot's calendar could not name the ISO week of year 722 (RangeError, 500).
    const examples: Array<[Target]> = [
      [{ route: find('/admin/audit'), base: [], mutations: [{ kind: 'set', name: 'from', value: '2026-13-45' }], garbage: undefined }],
      [{ route: find('/admin/audit'), base: [], mutations: [{ kind: 'set', name: 'to', value: '2026-02-30' }], garbage: undefined }],
      [
        {
          route: find('/pilot/export.csv'),
          base: [],
          mutations: [
            { kind: 'duplicate', name: 'from', value: 'a' },
            { kind: 'duplicate', name: 'from', value: 'b' },
          ],
          garbage: undefined,
        },
      ],
      [
        {
          route: find('/pilot/export.json'),
          base: [
            ['from', '2020-01-01'],
            ['to', '2026-01-01'],
          ],
          mutations: [],
          garbage: undefined,
        },
      ],
      [
        {
          route: find('/admin/audit'),
          base: [
            ['from', '2026-11-05'],
            ['to', '2026-12-04'],
          ],
          mutations: [{ kind: 'set', name: 'to', value: 'x' }],
          garbage: undefined,
        },
      ],
      [{ route: find('/pilot/export.json'), base: [], mutations: [{ kind: 'set', name: 'from', value: '0722-06-21' }], garbage: undefined }],
    ];
    await runFuzz(fc.asyncProperty(target, fuzzStaffPage), 300, examples);
    await assertHealthy(stack);
  });
});
