/**
 * The session's assurance is saved with the session (issue 24: fewer, larger Redis calls): an
 * authorization that saves its session writes the session's record — its assurance and the
 * session's id, two parts of one key (store/session-record.ts) — in the session's own script
 * call, one read and one write of the key, where it took a second call after the response
 * was ready. Redis `MONITOR` on a redis-server of the file's own shows every call; the record
 * read back shows that nothing the check decided was lost: the level, the deadline, the last
 * activity of a single sign-on, the TTL of the longer-lived part. The session's deadline in the
 * sweeper's sorted set goes in that call too, where it was a round trip of its own after it.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Stack } from '../support/stack.ts';
import { startMonitoredStack, type MonitoredStack } from '../support/monitored-stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { signIn } from '../support/psc-login.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { createSessionAssuranceStore } from '../../src/assurance/session-assurance.ts';
import { SESSION_ID_PART } from '../../src/store/session-record.ts';
import { textPart } from '../../src/store/text-parts.ts';
import type { MonitoredCommand, RedisMonitor } from '../support/redis-monitor.ts';

let monitored: MonitoredStack | undefined;
let stack: Stack;
let redis: RedisMonitor;

beforeAll(async () => {
  monitored = await startMonitoredStack('session-save-joined');
  ({ stack, redis } = monitored);
});
afterAll(() => monitored?.close());

/** The commands Redis ran since the last take, as MONITOR shows them; `lastTaken` keeps where each came from. */
let lastTaken: MonitoredCommand[] = [];
const take = async (): Promise<string[][]> => (lastTaken = await redis.take()).map((c) => c.args);

/**
 * Whether the ZADD of session `uid` into the sweeper's deadlines came from the script call that
 * wrote its record (MONITOR shows a script's commands after its call, marked `lua`).
 */
function deadlineWithRecord(uid: string): boolean {
  const zadd = lastTaken.findLastIndex((c) => c.args[0]!.toLowerCase() === 'zadd' && c.args.at(-1) === uid);
  if (zadd < 0 || lastTaken[zadd]!.source !== 'lua') return false;
  const call = lastTaken.findLastIndex((c, i) => i < zadd && c.source !== 'lua');
  return recordCalls([lastTaken[call]!.args]).length === 1;
}

const RECORD = /\{su:([^}]+)\}:assurance$/;
/** The script calls (EVALSHA / EVAL) that name a session's record among their keys. */
const recordCalls = (commands: string[][]) => commands.filter((c) => /^eval(sha)?$/i.test(c[0]!) && c.slice(3, 3 + Number(c[2])).some((k) => RECORD.test(k)));
/** The commands that write a session's record, from scripts or not. */
const recordWrites = (commands: string[][]) => commands.filter((c) => /^(set|del)$/i.test(c[0]!) && RECORD.test(c[1]!));

describe("the session's assurance saved with the session", () => {
  it(
    'a sign-in: one script call writes the record, both parts, and the session; then a single sign-on moves the activity in one call',
    { timeout: 60_000 },
    async () => {
      const browser = new TestBrowser();
      await take();
      const first = await signIn(stack, browser);
      assert.equal(first.sawLoginPage, true);
      const signInCommands = await take();
      const calls = recordCalls(signInCommands);
      assert.equal(calls.length, 1, `one script call names the session's record: ${calls.map((c) => c.slice(0, 8).join(' ')).join(' | ')}`);
      assert.equal(recordWrites(signInCommands).length, 1, 'one write of the record');
      const uid = RECORD.exec(calls[0]!.slice(3).find((k) => RECORD.test(k))!)![1]!;
      const keyNames = createKeyNames(stack.prefix);
      const sessionIdAt = calls[0]!.indexOf(calls[0]!.slice(3, 3 + Number(calls[0]![2])).find((k) => k.includes(':Session:json')) ?? '(none)');
      assert.ok(sessionIdAt > 0, 'the session itself is saved by the same call');
      assert.ok(deadlineWithRecord(uid), "the session's deadline (the sweeper's) is written by the same call");

      const sessions = createSessionAssuranceStore(stack.store, keyNames);
      const saved = await sessions.get(uid);
      assert.match(saved?.method ?? '', /^psc-/, 'a PSC sign-in');
      assert.ok(saved && saved.lastSeenAt >= saved.loginAt);
      const text = await stack.store.get(keyNames.sessionRecord(uid));
      assert.ok(textPart(text, SESSION_ID_PART).length > 0, "the session's id is there too");
      // The record lives as long as the assurance needs (its absolute lifetime and a minute), longer than the session's TTL.
      const ttl = await stack.store.ttl(keyNames.sessionRecord(uid));
      assert.ok(ttl > 4 * 3600, `the longer TTL of the two parts: ${ttl} s`);

      await sleep(1_100);
      const again = await signIn(stack, browser);
      assert.equal(again.sawLoginPage, false, 'single sign-on');
      const ssoCommands = await take();
      assert.ok(recordCalls(ssoCommands).length <= 1, `at most one script call writes the record in a single sign-on: ${recordCalls(ssoCommands).length}`);
      assert.equal(recordWrites(ssoCommands).length, 1, 'the activity written once');
      assert.ok(deadlineWithRecord(uid), 'and its new deadline with it');
      const after = await sessions.get(uid);
      assert.ok(after && after.lastSeenAt > saved.lastSeenAt, 'the single sign-on counts as activity');
      assert.equal(after.loginAt, saved.loginAt);
      assert.equal(textPart(await stack.store.get(keyNames.sessionRecord(uid)), SESSION_ID_PART), textPart(text, SESSION_ID_PART), 'the same session');
    },
  );
});
