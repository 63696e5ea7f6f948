/**
 * What one audit commit costs Redis, command by command (issue 24: every fixed command of a
 * commit is paid by each sign-in and each token request). MONITOR on a redis-server of this
 * file's own (on the shared one, another test file's command could overtake MONITOR's reply and
 * break ioredis's monitor connection): each call of the append script (its EVALSHA or EVAL) and the
 * commands the script ran, which MONITOR shows from "lua" in one block (a script runs alone).
 * Also the branches those savings rest on: a head without "ms" (an older version's), a key of
 * another type behind a head with it, an event no later than the last id (no clock read), a
 * new index generation and another writer's head, each found by the script's one MGET.
 */
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createRedisAuditLog } from '../../src/audit/index.ts';
import { auditIndexKeys } from '../../src/audit/index-keys.ts';
import { createRedisServer, type RedisServer } from '../support/redis-server.ts';
import { KEY, body, redisLog, type RedisLogFixture } from './helpers.ts';

interface Line {
  args: string[];
  source: string;
}

/** The commands of each append script call on `headKey` since the last take (names, lower case; the call first). */
interface CommitWatch {
  take(): Promise<string[][]>;
  close(): void;
}

let server: RedisServer;
beforeAll(async () => {
  server = await createRedisServer();
  // The script loaded once (a fresh server answers the first EVALSHA with NOSCRIPT, then EVAL): every measured call is one EVALSHA.
  const warm = await redisLog('audit-commands-warm-up', { url: server.url });
  await warm.log.append(body(1));
  await warm.close();
});
afterAll(async () => {
  await server?.dispose();
});

/**
 * `inUse`: the test's other connections. Each must be ready before MONITOR starts: a connection's
 * ready check (INFO) arriving with MONITOR's +OK, before ioredis has put the connection in its
 * monitoring state, was taken for a command's reply ("Command queue state error", CI of stop 37).
 */
async function watchCommits(headKey: string, inUse: Redis[]): Promise<CommitWatch> {
  const marker = new Redis(server.url);
  await Promise.all([marker, ...inUse].map((r) => r.ping()));
  const monitor = await marker.monitor();
  // Any error of the MONITOR connection fails the next take().
  const errors: Error[] = [];
  monitor.on('error', (error: Error) => errors.push(error));
  let lines: Line[] = [];
  const waiting = new Map<string, () => void>();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (args[0]?.toLowerCase() === 'echo' && waiting.has(args[1] ?? '')) {
      waiting.get(args[1]!)!();
      return;
    }
    lines.push({ args, source });
  });
  return {
    async take() {
      // Everything sent before the mark has reached the monitor once the mark has.
      const mark = `append-commands-mark-${randomBytes(6).toString('hex')}`;
      const seen = new Promise<void>((resolve) => waiting.set(mark, resolve));
      await marker.echo(mark);
      await seen;
      waiting.delete(mark);
      assert.deepEqual(errors, [], 'the MONITOR connection reported no other error');
      const taken = lines;
      lines = [];
      const calls = taken.filter((l) => l.source !== 'lua' && /^eval(sha)?$/i.test(l.args[0] ?? '') && l.args[3] === headKey);
      // A script's commands: from its first (MGET of the head) to the next command not from a script.
      const blocks: string[][] = [];
      taken.forEach((line, i) => {
        if (line.source !== 'lua' || line.args[0]?.toLowerCase() !== 'mget' || line.args[1] !== headKey) return;
        const block: string[] = [];
        for (let j = i; j < taken.length && taken[j]!.source === 'lua'; j++) block.push(taken[j]!.args[0]!.toLowerCase());
        blocks.push(block);
      });
      assert.equal(blocks.length, calls.length, 'one block of script commands per call');
      return calls.map((call, i) => [call.args[0]!.toLowerCase(), ...blocks[i]!]);
    },
    close() {
      monitor.disconnect();
      marker.disconnect();
    },
  };
}

const APPENDS = (n: number) => Array.from({ length: n }, () => 'append');

describe('commands of an audit commit', () => {
  let fixture: RedisLogFixture;
  let watch: CommitWatch;
  beforeAll(async () => {
    fixture = await redisLog('audit-commands', { url: server.url });
    watch = await watchCommits(fixture.headKey, [fixture.redis]);
    // The first commit starts the stream, the index and its keys (and may load the script).
    await fixture.log.append(body(1));
    await watch.take();
  });
  afterAll(async () => {
    watch?.close();
    await fixture?.close();
  });

  async function lastId(): Promise<string> {
    const [top] = (await fixture.redis.xrevrange(fixture.streamKey, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
    return top![0];
  }

  it('one event on a head this script wrote: EVALSHA, MGET, TIME, XADD, one APPEND per index key, SET (10, 13 before)', async () => {
    // body(5) has body(1)'s actor, type, client and outcome: the same five keys, no SADD.
    await fixture.log.append(body(5));
    assert.deepEqual(await watch.take(), [['evalsha', 'mget', 'time', 'xadd', ...APPENDS(5), 'set']]);
  });

  it("events recorded in one turn of the event loop go in one commit, the first one too (a request's turn serves many under load)", async () => {
    // Earlier than the last id (body 5): the tests below count on its ms.
    const events = await Promise.all([body(2), body(3), body(4)].map((b) => fixture.log.append(b)));
    assert.deepEqual(
      events.map((e) => e.seq),
      [events[0]!.seq, events[0]!.seq + 1, events[0]!.seq + 2],
    );
    const commits = await watch.take();
    assert.equal(commits.length, 1, `one commit, got ${commits.length}`);
    assert.equal(commits[0]!.filter((c) => c === 'xadd').length, 3);
  });

  it('an event no later than the last id gets its ms without reading the clock (9)', async () => {
    const before = await lastId();
    await fixture.log.append(body(1)); // 4 minutes before the last event
    assert.deepEqual(await watch.take(), [['evalsha', 'mget', 'xadd', ...APPENDS(5), 'set']]);
    const after = await lastId();
    assert.equal(after.split('-')[0], before.split('-')[0], 'the id stays at the last ms: ids never go backwards');
    assert.ok(after > before);
  });

  it('a head without "ms" (written by a version before): TYPE and XINFO read the stream once, then the head has it again', async () => {
    const { seq, mac } = JSON.parse((await fixture.redis.get(fixture.headKey))!) as { seq: number; mac: string };
    await fixture.redis.set(fixture.headKey, JSON.stringify({ seq, mac }));
    // The head was just changed behind the log's back: it finds out through the script, then
    // retries with the head it was given.
    const event = await fixture.log.append(body(9));
    assert.equal(event.seq, seq + 1);
    assert.equal(event.prev, mac);
    assert.deepEqual(await watch.take(), [
      ['evalsha', 'mget'],
      ['evalsha', 'mget', 'type', 'xinfo', 'time', 'xadd', ...APPENDS(5), 'set'],
    ]);
    assert.match((await fixture.redis.get(fixture.headKey)) ?? '', /"ms":\d+\}$/);
    await fixture.log.append(body(13));
    assert.deepEqual(await watch.take(), [['evalsha', 'mget', 'time', 'xadd', ...APPENDS(5), 'set']]);
  });

  it('another writer moved the head: the script says so after its MGET, and the retry commits', async () => {
    const other = createRedisAuditLog(fixture.redis, fixture.keyNames, KEY);
    try {
      const theirs = await other.append(body(17));
      await watch.take();
      const ours = await fixture.log.append(body(21));
      assert.deepEqual([ours.seq, ours.prev], [theirs.seq + 1, theirs.mac]);
      assert.deepEqual(await watch.take(), [
        ['evalsha', 'mget'],
        ['evalsha', 'mget', 'time', 'xadd', ...APPENDS(5), 'set'],
      ]);
    } finally {
      await other.close();
    }
  });

  it('a rebuild started a new generation: the script says so after its MGET, and the retry starts that generation and its since', async () => {
    const ix = auditIndexKeys(fixture.keyNames);
    const allKey = (gen: number) => ix.term(gen, 'all', '', '2025-03');
    const oldAll = await fixture.redis.strlen(allKey(1));
    // What reindex's NEXT_GENERATION_SCRIPT does (its back-fill would then index the trail).
    await fixture.redis.set(ix.genKey, '2');
    await fixture.log.append(body(25));
    const commits = await watch.take();
    assert.deepEqual(commits[0], ['evalsha', 'mget']);
    assert.deepEqual(commits[1]!.slice(0, 5), ['evalsha', 'mget', 'time', 'xadd', 'set'], 'since of generation 2 set with the first id');
    assert.equal(commits.length, 2);
    const id = await lastId();
    assert.equal(await fixture.redis.get(ix.since(2)), id);
    assert.equal(await fixture.redis.strlen(allKey(2)), 16, 'the event is indexed in generation 2');
    assert.equal(await fixture.redis.strlen(allKey(1)), oldAll, 'and not in generation 1');
    assert.deepEqual(await fixture.redis.smembers(ix.months(2)), ['2025-03']);
    await fixture.log.append(body(29));
    assert.deepEqual(await watch.take(), [['evalsha', 'mget', 'time', 'xadd', ...APPENDS(5), 'set']]);
    assert.equal(await fixture.redis.get(ix.since(2)), id, 'since stays where the generation started');
  });
});

describe('a key of another type behind a head with "ms"', () => {
  let fixture: RedisLogFixture | undefined;
  afterEach(async () => {
    await fixture?.close();
  });

  it('is refused by the first XADD, before anything is written', async () => {
    fixture = await redisLog('audit-commands-wrongtype', { url: server.url });
    const watch = await watchCommits(fixture.headKey, [fixture.redis]);
    try {
      await fixture.log.append(body(1));
      const head = await fixture.redis.get(fixture.headKey);
      assert.match(head ?? '', /"ms":\d+\}$/);
      const ix = auditIndexKeys(fixture.keyNames);
      const allKey = ix.term(1, 'all', '', '2025-03');
      const indexed = await fixture.redis.get(allKey);
      await fixture.redis.del(fixture.streamKey);
      await fixture.redis.set(fixture.streamKey, 'not a stream');
      await watch.take();
      await assert.rejects(fixture.log.append(body(2)), /expected .*\{audit\}:stream to be a stream, got a string/);
      assert.deepEqual(await watch.take(), [['evalsha', 'mget', 'time', 'xadd', 'type']]);
      assert.equal(await fixture.redis.get(fixture.headKey), head, 'the head did not move');
      assert.equal(await fixture.redis.get(allKey), indexed, 'nothing indexed');
      assert.equal(await fixture.redis.get(fixture.streamKey), 'not a stream');
    } finally {
      watch.close();
    }
  });
});
