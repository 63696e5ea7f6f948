/**
 * /admin/audit searches the whole kept trail, not its newest 5,000 events: with 6,003 events
 * (three of them from 2021), an idNat without dates finds its 2021 events, counts are exact
 * with or without a period, pages follow each other by a cursor that new events do not shift,
 * the CSV / JSON-lines exports hold the whole result and are themselves audited, and a trail
 * recorded before the index is said incomplete until the gateway builds the index at start-up.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser, type Page } from '../support/browser.ts';
import { exchange, signIn } from '../support/psc-login.ts';
import { OLD_ACTOR, REGULAR_ACTOR, count, seedSearchTrail } from '../support/audit-search-seed.ts';
import { Redis } from 'ioredis';
import { parseJsonl } from '../../src/audit/index.ts';
import { TEST_REDIS_URL } from '../support/redis.ts';
import type { AuditEvent } from '../../src/audit/types.ts';

const ADMIN = '899700427885';
let stack: Stack;
let admin: TestBrowser;
let seeded: AuditEvent[];

beforeAll(async () => {
  stack = await startStack({ name: 'admin-audit-search', overrides: { 'admin.idNats': [ADMIN] } });
  seeded = await seedSearchTrail(stack.gateways[0]!.auditLog);
  admin = new TestBrowser();
  await exchange(await signIn(stack, admin, { choice: { practitioner: ADMIN, means: 'card' } }));
});
afterAll(async () => {
  await stack.close();
});

async function search(query: string): Promise<Page> {
  const page = await admin.request(`${stack.issuer}/admin/audit?${query}`);
  assert.equal(page.status, 200, `${query}: ${page.text.slice(0, 300)}`);
  return page;
}

/** The exact count the page states (data-total on the status line). */
function total(page: Page): number {
  const status = page.doc.querySelector('[role=status][data-total]');
  assert.ok(status, `a status line with data-total: ${page.text.slice(0, 400)}`);
  return Number(status.getAttribute('data-total'));
}

const seqs = (page: Page) => page.doc.querySelectorAll('tr[data-seq]').map((row) => Number(row.getAttribute('data-seq')));

function link(page: Page, selector: string): string {
  const anchor = page.doc.querySelector(selector);
  assert.ok(anchor, `a link ${selector}`);
  return anchor.getAttribute('href')!.replaceAll('&amp;', '&');
}

describe('/admin/audit over more than 5,000 events', () => {
  it("finds an idNat's events from 2021 without dates, and counts them exactly", async () => {
    const page = await search(`idNat=${OLD_ACTOR}`);
    assert.equal(total(page), 3);
    assert.deepEqual(
      seqs(page),
      seeded
        .slice(0, 3)
        .map((e) => e.seq)
        .reverse(),
      'the first three seeded events, newest first',
    );
    assert.doesNotMatch(page.text, /5000 plus récents/);
  });

  it('counts an idNat the same with and without a period that covers it', async () => {
    const all = await search(`idNat=${REGULAR_ACTOR}`);
    assert.equal(total(all), 40);
    assert.equal(seqs(all).length, 40);
    const june = await search(`idNat=${REGULAR_ACTOR}&from=2025-06-01&to=2025-06-30`);
    assert.equal(total(june), 40);
    const oneDay = await search(`idNat=${REGULAR_ACTOR}&from=2025-06-03&to=2025-06-03`);
    assert.equal(total(oneDay), count({ actor: REGULAR_ACTOR, from: '2025-06-03', to: '2025-06-03' }));
    assert.ok(total(oneDay) > 0 && total(oneDay) < 40);
  });

  it('key.revoked since 2020: every one of them, the 2021 one included', async () => {
    const page = await search('type=key.revoked&from=2020-01-01');
    assert.equal(total(page), count({ type: 'key.revoked' }));
    assert.equal(total(page), 7);
    assert.ok(seqs(page).includes(seeded[2]!.seq), 'the 2021 revocation');
  });

  it('a period alone counts every event of those Paris days', async () => {
    const page = await search('from=2025-06-02&to=2025-06-03');
    assert.equal(total(page), count({ from: '2025-06-02', to: '2025-06-03' }));
    assert.ok(total(page) > 2000);
  });

  it('combines criteria exactly: client, type and outcome', async () => {
    const page = await search('client=demo-dmp&type=signin.failed&outcome=failure');
    assert.equal(total(page), count({ clientId: 'demo-dmp', type: 'signin.failed', outcome: 'failure' }));
  });

  it('pages through the result by cursor; events recorded meanwhile shift nothing', async () => {
    const expected = count({ clientId: 'demo-dmp' });
    assert.ok(expected > 2500);
    const first = await search('client=demo-dmp');
    assert.equal(total(first), expected);
    const firstSeqs = seqs(first);
    assert.equal(firstSeqs.length, 100);
    assert.deepEqual(
      firstSeqs,
      [...firstSeqs].sort((a, b) => b - a),
      'newest first',
    );

    // New matching events arrive between the two pages.
    await stack.gateways[0]!.auditLog.append({
      type: 'signin.succeeded',
      outcome: 'success',
      time: new Date().toISOString(),
      instance: 'test',
      actor: REGULAR_ACTOR,
      clientId: 'demo-dmp',
    });
    const second = await search(link(first, 'a[rel=next]').replace(/^\/admin\/audit\?/, ''));
    assert.equal(total(second), expected, 'the count of the result first shown');
    const secondSeqs = seqs(second);
    assert.equal(secondSeqs.length, 100);
    assert.ok(secondSeqs[0]! < firstSeqs.at(-1)!, 'older than the last of page 1');
    const matching = seeded
      .filter((e) => e.clientId === 'demo-dmp')
      .map((e) => e.seq)
      .sort((a, b) => b - a);
    assert.deepEqual([...firstSeqs, ...secondSeqs], matching.slice(0, 200), 'no event skipped or repeated');

    const back = await search(link(second, 'a[rel=prev]').replace(/^\/admin\/audit\?/, ''));
    assert.deepEqual(seqs(back), firstSeqs);
    const fresh = await search('client=demo-dmp');
    assert.equal(total(fresh), expected + 1, 'a new search sees the new event');
  });

  it('exports the whole result as CSV and as JSON lines, and records who exported what', async () => {
    const page = await search('type=key.revoked&from=2020-01-01');
    const csv = await admin.request(new URL(link(page, 'a[href^="/admin/audit/export.csv"]'), stack.issuer));
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(csv.headers.get('content-disposition') ?? '', /^attachment; filename="?journal-audit-[^"]+\.csv"?$/);
    const rows = csv.body.trim().split('\r\n');
    assert.equal(rows[0], 'seq,time,type,outcome,actor,profession,clientId,reason,ip,userAgent,requestId,instance,details,mac');
    assert.equal(rows.length, 1 + 7);
    assert.ok(rows.slice(1).every((row) => row.split(',')[2] === 'key.revoked'));

    const jsonPage = await search(`idNat=${REGULAR_ACTOR}`);
    const jsonl = await admin.request(new URL(link(jsonPage, 'a[href^="/admin/audit/export.jsonl"]'), stack.issuer));
    assert.equal(jsonl.status, 200);
    const events = parseJsonl(jsonl.body);
    assert.equal(events.length, total(jsonPage));
    assert.ok(events.every((e) => e.actor === REGULAR_ACTOR));
    assert.deepEqual(
      events.map((e) => e.seq),
      [...events.map((e) => e.seq)].sort((a, b) => a - b),
      'oldest first, chain order',
    );

    const recent = await stack.gateways[0]!.auditLog.range({ order: 'newest-first', limit: 5 });
    const exports = recent.filter((e) => e.type === 'admin.action' && e.details?.action === 'audit.export');
    assert.deepEqual(
      exports.map((e) => [e.actor, e.details?.format, e.details?.results]),
      [
        [ADMIN, 'jsonl', events.length],
        [ADMIN, 'csv', 7],
      ],
    );
    assert.equal(exports[1]!.details?.type, 'key.revoked');
  });

  it('a trail recorded before the index: the page says so, and the gateway builds the index when it starts', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const keys = await redis.keys(`${stack.prefix}{audit}:ix:*`);
      assert.ok(keys.length > 10);
      await redis.unlink(...keys);
    } finally {
      redis.disconnect();
    }
    const before = await search(`idNat=${OLD_ACTOR}`);
    assert.equal(total(before), 0);
    assert.match(before.doc.querySelector('[data-incomplete]')?.text ?? '', /index de recherche du journal est en cours de construction/);
    await stack.restartGateways();
    let page = before;
    for (let tries = 0; tries < 100 && total(page) !== 3; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      page = await search(`idNat=${OLD_ACTOR}`);
    }
    assert.equal(total(page), 3);
    assert.equal(page.doc.querySelector('[data-incomplete]'), null);
  });

  it('refuses a malformed cursor with a 400 naming it', async () => {
    const page = await admin.request(`${stack.issuer}/admin/audit?client=demo-dmp&before=yesterday`);
    assert.equal(page.status, 400);
    assert.match(page.text, /« before »/);
  });
});
