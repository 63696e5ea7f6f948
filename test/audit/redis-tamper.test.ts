/**
 * Tampering through Redis itself: 20 events appended to a real stream, then changed with
 * plain Redis commands (XADD a forged entry, XDEL, XDEL + XADD of a changed copy, a rebuilt
 * stream in another order, a truncated tail, a moved trim point). `npm run audit -- verify`
 * (a real process) exits 1 and names the position; untouched, it exits 0.
 */
import { afterEach, beforeEach, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { macFor, trimPointMac, type AuditTrimPoint } from '../../src/audit/index.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import { KEY, WRONG_KEY, body, cliEnv, redisLog, runCli, type RedisLogFixture } from './helpers.ts';

type Entry = [id: string, fields: string[]];

describe('verify against a Redis stream changed behind the gateway', () => {
  let fixture: RedisLogFixture;
  let entries: Entry[];

  beforeEach(async () => {
    fixture = await redisLog('audit-tamper');
    for (let i = 0; i < 20; i++) await fixture.log.append(body(i));
    entries = (await fixture.redis.xrange(fixture.streamKey, '-', '+')) as Entry[];
    assert.equal(entries.length, 20);
  });
  afterEach(() => fixture.close());

  const event = (n: number): AuditEvent => JSON.parse(entries[n - 1]![1][1]!) as AuditEvent;
  const verify = (...args: string[]) => runCli(['verify', ...args], cliEnv(fixture.prefix));
  /** What an attacker does to put entries in another order: delete the stream, add them back. */
  async function rebuild(events: Array<AuditEvent | string>): Promise<void> {
    await fixture.redis.del(fixture.streamKey);
    for (const e of events) await fixture.redis.xadd(fixture.streamKey, '*', 'e', typeof e === 'string' ? e : JSON.stringify(e));
  }
  function expectTampered(run: { code: number | null; stdout: string; stderr: string }, position: number, seq: number, problem: string): void {
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`^TAMPERED at position ${position} \\(seq ${seq}\\): ${problem} — .+\\n$`));
  }

  it('passes the untouched stream (exit 0)', async () => {
    const run = await verify();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(run.stdout, 'OK: 20 events, chain intact (seq 1..20)\n');
  });

  it('finds a forged entry XADDed at the end (MAC made with another key)', async () => {
    const forged = { ...body(50), seq: 21, prev: event(20).mac };
    await fixture.redis.xadd(fixture.streamKey, '*', 'e', JSON.stringify({ ...forged, mac: macFor(WRONG_KEY, forged.prev, forged) }));
    expectTampered(await verify(), 21, 21, 'inserted');
  });

  it('finds a forged entry placed in the middle (stream rebuilt)', async () => {
    const forged = { ...body(50), seq: 8, prev: event(7).mac };
    const events = entries.map((_, i) => event(i + 1)) as Array<AuditEvent | string>;
    events.splice(7, 0, { ...forged, mac: macFor(WRONG_KEY, forged.prev, forged) });
    await rebuild(events);
    expectTampered(await verify(), 8, 8, 'inserted');
  });

  it('finds a copy of an existing entry XADDed again', async () => {
    await fixture.redis.xadd(fixture.streamKey, '*', 'e', entries[2]![1][1]!);
    expectTampered(await verify(), 21, 3, 'inserted');
  });

  it('finds an XDELeted entry at the event after the gap', async () => {
    await fixture.redis.xdel(fixture.streamKey, entries[6]![0]);
    const run = await verify();
    expectTampered(run, 7, 8, 'deleted');
    assert.match(run.stdout, /seq 7 is missing/);
  });

  it('finds an entry rewritten by XDEL + XADD of a changed copy', async () => {
    await fixture.redis.xdel(fixture.streamKey, entries[4]![0]);
    await fixture.redis.xadd(fixture.streamKey, '*', 'e', JSON.stringify({ ...event(5), actor: '800000000001' }));
    expectTampered(await verify(), 5, 6, 'modified');
  });

  it('finds an entry changed in place (stream rebuilt with the change)', async () => {
    const events = entries.map((_, i) => event(i + 1));
    events[11] = { ...events[11]!, outcome: 'failure' };
    await rebuild(events);
    expectTampered(await verify(), 12, 12, 'modified');
  });

  it('finds two entries in another order at the first of them', async () => {
    const events = entries.map((_, i) => event(i + 1));
    [events[9], events[10]] = [events[10]!, events[9]!];
    await rebuild(events);
    expectTampered(await verify(), 10, 11, 'reordered');
  });

  it('finds a truncated tail against the head', async () => {
    await fixture.redis.xdel(fixture.streamKey, entries[18]![0], entries[19]![0]);
    const run = await verify();
    expectTampered(run, 19, 19, 'truncated');
    assert.match(run.stdout, /ends at seq 18 but the head records seq 20/);
  });

  it('finds the first events deleted, even with a trim point moved to hide it, unless made with the key', async () => {
    await fixture.redis.xdel(fixture.streamKey, entries[0]![0], entries[1]![0]);
    expectTampered(await verify(), 1, 3, 'deleted');
    const moved = { seq: 3, prev: event(2).mac, time: new Date().toISOString() };
    await fixture.redis.set(fixture.trimKey, JSON.stringify({ ...moved, mac: trimPointMac(WRONG_KEY, moved) }));
    expectTampered(await verify(), 1, 3, 'bad-trim-point');
    await fixture.redis.set(fixture.trimKey, JSON.stringify({ ...moved, mac: trimPointMac(KEY, moved) } satisfies AuditTrimPoint));
    assert.equal((await verify()).code, 0, 'a trim point written with the key is a legitimate start');
  });

  it('reports an entry that is not an event as malformed, with its stream position', async () => {
    const events: Array<AuditEvent | string> = entries.map((_, i) => event(i + 1));
    events.splice(3, 0, 'not json at all');
    await rebuild(events);
    const run = await verify();
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^TAMPERED at position 4 \(seq \?\): malformed — audit log entry 4 \(stream id \d+-\d+\)/);
  });

  it('checks the chain against an anchor kept in the SIEM, even when the head was rolled back too', async () => {
    const anchor = `20:${event(20).mac}`;
    await fixture.redis.xdel(fixture.streamKey, entries[19]![0]);
    await fixture.redis.set(fixture.headKey, JSON.stringify({ seq: 19, mac: event(19).mac }));
    assert.equal((await verify()).code, 0, 'head and stream agree: the truncation is invisible from Redis alone');
    expectTampered(await verify('--anchor', anchor), 20, 20, 'truncated');
  });

  it('verifies from a given seq', async () => {
    const run = await verify('--from-seq', '15');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'OK: 6 events, chain intact (seq 15..20)\n');
    await fixture.redis.xdel(fixture.streamKey, entries[16]![0]);
    expectTampered(await verify('--from-seq', '15'), 17, 18, 'deleted');
  });
});
