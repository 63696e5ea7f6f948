/**
 * The query parameters of the staff pages (/admin/audit, /pilot, /pilot/report, /pilot/export.*):
 * impossible dates, reversed or huge ranges, duplicated or unknown parameters and unknown enum
 * values get a 400 naming the parameter (a French page, English with ?lang=en; JSON for the
 * exports), never a 500, and nothing is recorded.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser, type Page } from '../support/browser.ts';
import { exchange, signIn } from '../support/psc-login.ts';
import { parisDay } from '../../src/pilot/index.ts';

const STAFF = '899700427885';
let stack: Stack;
let staff: TestBrowser;

beforeAll(async () => {
  stack = await startStack({ name: 'staff-query', overrides: { 'admin.idNats': [STAFF], 'pilot.staffIdNats': [STAFF] } });
  staff = new TestBrowser();
  await exchange(await signIn(stack, staff, { choice: { practitioner: STAFF, means: 'card' } }));
  // token.issued is chained just after the token answer: wait for it before counting events.
  for (let tries = 0; tries < 50; tries += 1) {
    const [last] = await stack.gateways[0]!.auditLog.range({ order: 'newest-first', limit: 1 });
    if (last?.type === 'token.issued') break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});
afterAll(async () => {
  await stack.close();
});

/** The last audit event's seq: a refused request records nothing. */
async function auditSeq(): Promise<number | undefined> {
  return (await stack.gateways[0]!.auditLog.head())?.seq;
}

/** A 400 page of the gateway, in French, with a line naming `parameter`. */
function assertRefusalPage(page: Page, parameter: string, context: string): void {
  assert.equal(page.status, 400, `${context}: ${page.text.slice(0, 300)}`);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/, context);
  assert.match(page.text, /Les paramètres de cette adresse ne sont pas valides/, context);
  const lines = page.doc.querySelectorAll('main ul.problems li').map((li) => li.text);
  assert.ok(
    lines.some((line) => line.includes(`«\u00a0${parameter}\u00a0»`)),
    `${context}: a line names « ${parameter} »: ${JSON.stringify(lines)}`,
  );
  assert.doesNotMatch(page.body, /TypeError|RangeError|node_modules/, context);
}

/** A 400 JSON answer of an export with a problem naming `parameter`. */
function assertRefusalJson(page: Page, parameter: string, context: string): void {
  assert.equal(page.status, 400, `${context}: ${page.body.slice(0, 300)}`);
  assert.match(page.headers.get('content-type') ?? '', /^application\/json/, context);
  assert.equal(page.headers.get('content-disposition'), null, `${context}: no file`);
  const body = page.json as { error?: string; message?: string; problems?: Array<{ parameter?: string; message?: string }> };
  assert.equal(body.error, 'invalid_query', context);
  assert.match(body.message ?? '', /Les paramètres de cette adresse ne sont pas valides/, context);
  const named = body.problems?.find((p) => p.parameter === parameter);
  assert.ok(named, `${context}: a problem names ${parameter}: ${page.body}`);
  assert.match(named.message ?? '', new RegExp(`«\u00a0${parameter}\u00a0»`), context);
}

describe('/admin/audit query parameters', () => {
  it('an impossible date is a 400 page naming the parameter, not a 500', async () => {
    const before = await auditSeq();
    const page = await staff.request(`${stack.issuer}/admin/audit?from=2026-13-45`);
    assertRefusalPage(page, 'from', 'from=2026-13-45');
    assert.match(page.text, /AAAA-MM-JJ/);
    assert.equal(await auditSeq(), before, 'a refused search is not recorded');
  });

  it('every malformed parameter is refused with a line naming it', async () => {
    const cases: Array<[string, string]> = [
      ['from=2026-02-30', 'from'],
      ['to=2026-02-29', 'to'],
      ['from=yesterday', 'from'],
      ['from=2026-11-10&to=2026-11-01', 'to'],
      ['from=2000-01-01&to=2026-01-01', 'to'],
      ['from=2026-01-01&from=2026-01-02', 'from'],
      ['outcome=maybe', 'outcome'],
      ['outcome=success&outcome=failure', 'outcome'],
      ['type=signin.nope', 'type'],
      ['idNat=%7Bbad%7D', 'idNat'],
      ['client=a%20b', 'client'],
      ['limit=abc', 'limit'],
      ['lang=de', 'lang'],
    ];
    const before = await auditSeq();
    for (const [query, parameter] of cases) assertRefusalPage(await staff.request(`${stack.issuer}/admin/audit?${query}`), parameter, query);
    assert.equal(await auditSeq(), before, 'no refused search is recorded');
  });

  it('the refusal is in English with ?lang=en', async () => {
    const page = await staff.request(`${stack.issuer}/admin/audit?from=2026-13-45&lang=en`);
    assert.equal(page.status, 400);
    assert.match(page.text, /The address's parameters are not valid/);
    assert.match(page.text, /“from”.*YYYY-MM-DD/);
    await staff.request(`${stack.issuer}/admin/audit?lang=fr`);
  });

  it('empty fields (the form sent as is) and real days are accepted', async () => {
    const empty = await staff.request(`${stack.issuer}/admin/audit?idNat=&client=&type=&outcome=&from=&to=`);
    assert.equal(empty.status, 200);
    const today = parisDay(Date.now()); // the staff pages' days are Paris days (at 23:30 UTC it is already tomorrow there)
    const ranged = await staff.request(`${stack.issuer}/admin/audit?from=2024-02-29&to=${today}&outcome=info&type=config.loaded`);
    assert.equal(ranged.status, 200);
    assert.ok(ranged.doc.querySelectorAll('tr[data-seq]').length >= 1, 'the gateway start is found');
  });
});

describe('/pilot query parameters', () => {
  const cases: Array<[string, string]> = [
    ['from=2026-13-45', 'from'],
    ['from=2026-02-30', 'from'],
    ['from=2026-11-10&to=2026-11-01', 'to'],
    ['from=2020-01-01&to=2026-01-01', 'to'],
    ['to=demain', 'to'],
    ['from=a&from=b', 'from'],
    ['to=2026-01-01&to=2026-01-02', 'to'],
    ['lang=xx', 'lang'],
    ['limit=10', 'limit'],
  ];

  it('the dashboard and the report answer a 400 page naming the parameter', async () => {
    for (const path of ['/pilot', '/pilot/report']) {
      for (const [query, parameter] of cases) assertRefusalPage(await staff.request(`${stack.issuer}${path}?${query}`), parameter, `${path}?${query}`);
    }
  });

  it('the exports answer a JSON 400 naming the parameter, and record nothing', async () => {
    const before = await auditSeq();
    for (const path of ['/pilot/export.csv', '/pilot/export.json']) {
      for (const [query, parameter] of cases) assertRefusalJson(await staff.request(`${stack.issuer}${path}?${query}`), parameter, `${path}?${query}`);
    }
    assert.equal(await auditSeq(), before, 'no refused export is recorded');
  });

  it('good ranges still answer', async () => {
    const today = parisDay(Date.now());
    assert.equal((await staff.request(`${stack.issuer}/pilot?from=${today}&to=${today}&lang=en`)).status, 200);
    assert.equal((await staff.request(`${stack.issuer}/pilot/report?from=${today}`)).status, 200);
    assert.equal((await staff.request(`${stack.issuer}/pilot/export.json?to=${today}`)).status, 200);
    assert.equal((await staff.request(`${stack.issuer}/pilot/export.csv?from=&to=`)).status, 200);
  });
});
