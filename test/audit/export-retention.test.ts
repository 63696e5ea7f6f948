/**
 * Export formats (CSV quoting per RFC 4180, formula cells neutralized; JSON lines that parse
 * back to the same events) and retention: expired events are written to a 0600 file, then
 * trimmed, and what stays verifies from the trim point — in memory and in Redis.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CSV_COLUMNS,
  createMemoryAuditLog,
  linkEvents,
  parseJsonl,
  toCsv,
  toJsonl,
  trimExpired,
  verifyChain,
  verifyLog,
  type AuditLog,
} from '../../src/audit/index.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import { KEY, body, makeChain, redisLog, type RedisLogFixture } from './helpers.ts';

/** A minimal RFC 4180 parser, to read back what toCsv wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('export formats', () => {
  const tricky: AuditEvent = linkEvents(KEY, undefined, [
    {
      ...body(0),
      type: 'signin.failed',
      outcome: 'failure',
      clientId: '=HYPERLINK("http://evil")',
      reason: 'said "no", then left\nnew line',
      userAgent: 'Firefox 120 / Linux',
      details: { method: 'psc-card', note: 'a,b' },
    },
  ])[0]!;

  it('writes CSV with the agreed columns, quotes commas, quotes and newlines, CRLF line ends', () => {
    const csv = toCsv([tricky, makeChain(2)[1]!]);
    assert.ok(csv.startsWith('seq,time,type,outcome,actor,profession,clientId,reason,ip,userAgent,requestId,instance,details,mac\r\n'));
    assert.ok(csv.includes('"said ""no"", then left\nnew line"'));
    const rows = parseCsv(csv);
    assert.equal(rows.length, 3);
    assert.deepEqual(rows[0], [...CSV_COLUMNS]);
    const row = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, rows[1]![i]]));
    assert.equal(row.reason, 'said "no", then left\nnew line');
    assert.equal(row.clientId, `'=HYPERLINK("http://evil")`, 'a spreadsheet formula is neutralized');
    assert.deepEqual(JSON.parse(row.details!), { method: 'psc-card', note: 'a,b' });
    assert.equal(row.seq, '1');
    assert.equal(row.mac, tricky.mac);
    assert.equal(row.profession, '');
    assert.equal(toCsv([], { header: false }), '');
  });

  it('writes JSON lines that parse back to the same events, and still verify', () => {
    const events = [...makeChain(5)];
    const text = toJsonl(events);
    assert.equal(text.split('\n').length, 6);
    assert.deepEqual(parseJsonl(text), events);
    assert.equal(verifyChain(parseJsonl(text), KEY).ok, true);
    assert.equal(toJsonl([]), '');
    assert.throws(() => parseJsonl(`${text}{"seq":1}\n`), /line 6: expected an audit event/);
    assert.throws(() => parseJsonl('nope\n'), /line 1: expected a JSON object, got "nope"/);
  });
});

const DAY = 86_400_000;

function retention(name: string, open: () => Promise<{ log: AuditLog; close(): Promise<void> }>) {
  describe(`retention (${name})`, () => {
    let fixture: { log: AuditLog; close(): Promise<void> };
    const now = Date.parse('2026-01-01T00:00:00.000Z');
    const dir = mkdtempSync(join(tmpdir(), 'audit-retention-'));
    const exportDir = join(dir, 'exports');
    beforeAll(async () => {
      fixture = await open();
      // 30 events one per day, from 30 days ago up to yesterday.
      for (let i = 0; i < 30; i++) await fixture.log.append({ ...body(i), time: new Date(now - (30 - i) * DAY).toISOString() });
    });
    afterAll(() => fixture.close());

    it('exports the events older than the retention to a 0600 file, then trims them', async () => {
      const result = await trimExpired({ log: fixture.log, retentionDays: 10, exportDir, clock: () => now, pageSize: 7 });
      assert.equal(result.count, 20);
      assert.equal(result.exported, 20);
      assert.equal(result.cutoff, '2025-12-22T00:00:00.000Z');
      assert.equal(result.file, join(exportDir, 'audit-20251202T000000Z-20251221T000000Z.jsonl'));
      assert.equal(statSync(result.file!).mode & 0o777, 0o600);
      assert.equal(statSync(exportDir).mode & 0o777, 0o700);
      const exported = parseJsonl(readFileSync(result.file!, 'utf8'));
      assert.deepEqual(
        exported.map((e) => e.seq),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      assert.equal(verifyChain(exported, KEY).ok, true, 'the export verifies on its own, from seq 1');
      assert.deepEqual(readdirSync(exportDir), ['audit-20251202T000000Z-20251221T000000Z.jsonl'], 'no temporary file left');
    });

    it('leaves a log that verifies from the trim point, which continues the export', async () => {
      const point = (await fixture.log.trimPoint())!;
      assert.equal(point.seq, 21);
      const exported = parseJsonl(readFileSync(join(exportDir, 'audit-20251202T000000Z-20251221T000000Z.jsonl'), 'utf8'));
      assert.equal(point.prev, exported.at(-1)!.mac);
      const result = await verifyLog(fixture.log, KEY);
      assert.deepEqual(result.ok && [result.count, result.firstSeq, result.lastSeq], [10, 21, 30]);
      const kept = await fixture.log.range();
      assert.equal(verifyChain([...exported, ...kept], KEY).ok, true, 'export + what stays = the whole chain');
    });

    it('does nothing when nothing is expired, and never overwrites an export', async () => {
      assert.deepEqual(await trimExpired({ log: fixture.log, retentionDays: 10, exportDir, clock: () => now }), {
        count: 0,
        exported: 0,
        cutoff: '2025-12-22T00:00:00.000Z',
      });
      const more = await trimExpired({ log: fixture.log, retentionDays: 5, exportDir, clock: () => now, maxEvents: 2 });
      assert.deepEqual([more.count, more.file], [2, join(exportDir, 'audit-20251222T000000Z-20251223T000000Z.jsonl')]);
      const next = await trimExpired({ log: fixture.log, retentionDays: 5, exportDir, clock: () => now });
      assert.equal(next.count, 3);
      assert.equal((await verifyLog(fixture.log, KEY)).ok, true);
      await assert.rejects(trimExpired({ log: fixture.log, retentionDays: 0, exportDir }), /expected retentionDays >= 1, got 0/);
    });

    it('trims nothing when the export cannot be written', async () => {
      const before = (await fixture.log.trimPoint())!.seq;
      const blocker = join(dir, `not-a-folder-${name}`);
      writeFileSync(blocker, '');
      await assert.rejects(trimExpired({ log: fixture.log, retentionDays: 2, exportDir: join(blocker, 'exports'), clock: () => now }), /ENOTDIR/);
      assert.equal((await fixture.log.trimPoint())!.seq, before);
    });
  });
}

retention('memory', async () => ({ log: createMemoryAuditLog(KEY), close: async () => {} }));
let redisFixture: RedisLogFixture;
retention('Redis', async () => {
  redisFixture = await redisLog('audit-retention');
  return redisFixture;
});
