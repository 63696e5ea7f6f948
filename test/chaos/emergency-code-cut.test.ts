/**
 * Chaos: a clinician types an emergency access code (the way in when every means is unusable,
 * often at night) and Redis stalls right after the code was checked and claimed (a proxy holds
 * the gateway's next write, and all that follows it, until the sign-in has answered: a failover,
 * a frozen server). The clinician sees the outage page, with nothing signed in; tried again
 * (the page says so), the code must still work: a single-use code spent by a sign-in that
 * never happened locks the clinician out until an administrator issues another. Once a
 * sign-in with it has answered, it is spent for good.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Stack } from '../support/stack.ts';
import type { HoldingProxy } from '../support/redis-holding-proxy.ts';
import { startHeldStack, type HeldStack } from '../support/held-stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, signIn } from '../support/psc-login.ts';
import { issueEmergencyCode, signInWithCode } from '../support/emergency-form.ts';
import { CONSUMPTION_SETTLES_MS } from '../../src/store/token-consumption.ts';

const CLINICIAN = '810101234561';

let held: HeldStack;
let stack: Stack;
let proxy: HoldingProxy;
beforeAll(async () => {
  held = await startHeldStack('chaos-emergency-cut');
  ({ stack, proxy } = held);
  // The account exists once PSC vouched for the clinician.
  await signIn(stack, new TestBrowser(), { choice: { practitioner: CLINICIAN } });
});
afterAll(async () => {
  await held?.close();
});

const READS = new Set(['GET', 'MGET', 'HGETALL', 'HMGET', 'EXISTS', 'TTL', 'PTTL', 'SMEMBERS', 'LRANGE', 'PING']);

/** Holds the first write after an emergency code's claim (a SET of its use mark), and everything after it, until `fn` has answered. */
async function withRedisStalledAfterClaim<T>(fn: () => Promise<T>): Promise<T> {
  let claimed = false;
  proxy.holdFrom((args) => {
    const command = args[0]!.toUpperCase();
    if (command === 'SET' && args[1]!.includes('{emergency:')) {
      claimed = true;
      return false;
    }
    return claimed && !READS.has(command);
  });
  try {
    return await fn();
  } finally {
    proxy.release();
  }
}

/** The reason of the last emergency.refused event. */
async function lastRefusal(): Promise<string | undefined> {
  return (await stack.gateways[0]!.auditLog.range({ order: 'newest-first', limit: 20 })).find((e) => e.type === 'emergency.refused')?.reason;
}

const problemOf = (sent: Awaited<ReturnType<typeof signInWithCode>>['sent']) => sent.page?.doc.querySelector('[data-problem]')?.getAttribute('data-problem');

describe('chaos: the emergency sign-in cut after the code was checked', () => {
  it('the code still works when tried again; once a sign-in with it answered, it is spent', { timeout: 60_000 }, async () => {
    const { code } = await issueEmergencyCode(stack, CLINICIAN);
    const cut = await withRedisStalledAfterClaim(() => signInWithCode(stack, CLINICIAN, code));
    assert.ok(proxy.picked, 'Redis stalled after the claim');
    assert.equal(cut.sent.stoppedAt, undefined, 'nobody signed in');
    assert.equal(cut.sent.page?.status, 503, `the outage page: ${cut.sent.page?.status} ${cut.sent.page?.text.slice(0, 200)} (held ${proxy.picked?.[0]})`);

    // At once: the first sign-in may still be running elsewhere — the outage page again, never "already used".
    const early = await signInWithCode(stack, CLINICIAN, code);
    assert.equal(early.sent.page?.status, 503, `tried again at once: ${early.sent.page?.status} ${problemOf(early.sent)} (${await lastRefusal()})`);

    await sleep(CONSUMPTION_SETTLES_MS + 200);
    const again = await signInWithCode(stack, CLINICIAN, code);
    assert.ok(again.sent.stoppedAt, `signed in when tried again: ${again.sent.page?.status} ${problemOf(again.sent)}`);
    const tokens = await exchange({ ...again.start.request, callback: again.sent.stoppedAt });
    assert.equal(tokens.claims()!.sub, CLINICIAN);

    const reused = await signInWithCode(stack, CLINICIAN, code);
    assert.equal(reused.sent.page?.status, 400, 'spent once a sign-in with it answered');
    assert.equal(problemOf(reused.sent), 'refused');
    const refusals = (await stack.gateways[0]!.auditLog.range({ order: 'newest-first', limit: 20 })).filter((e) => e.type === 'emergency.refused');
    assert.equal(refusals[0]?.reason, 'code-used');
    assert.equal(refusals.length, 1, 'the cut sign-in and its early retry refused no code');
  });
});
