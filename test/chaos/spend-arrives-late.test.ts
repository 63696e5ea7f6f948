/**
 * Chaos: the write that spends a refresh token or a code as the token endpoint answers is held
 * up on its way to Redis past the request's deadline, and reaches Redis afterwards — as in a
 * failover, where ioredis sends again to the new master what the old one never answered, or
 * behind a stalled connection. The relying party got 503 `temporarily_unavailable`, was handed
 * nothing, and still holds what it presented; tried again (integration.md tells it to), it must
 * work once the consumption has settled. Executed late, the spend would have made it spent for
 * a request that handed nothing out: taken for a replay, the clinician's grant revoked and a
 * false `token.replayed` alarm (the Cluster failover test's failure in CI, rounds 13 to 15).
 * A spend counts only when it reaches Redis while its request may still answer with the tokens.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Stack } from '../support/stack.ts';
import type { HoldingProxy } from '../support/redis-holding-proxy.ts';
import { startHeldStack, type HeldStack } from '../support/held-stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, signIn } from '../support/psc-login.ts';
import { refreshAsTestRp, tryExchange } from '../support/token-requests.ts';
import { CONSUMPTION_SETTLES_MS } from '../../src/store/token-consumption.ts';

let held: HeldStack;
let stack: Stack;
let proxy: HoldingProxy;
beforeAll(async () => {
  held = await startHeldStack('chaos-spend-late');
  ({ stack, proxy } = held);
});
afterAll(async () => {
  await held?.close();
});

const READS = new Set(['GET', 'MGET', 'PTTL', 'TTL', 'EXISTS']);

/**
 * The command that spends the code or token `id` (its keys carry it): a write naming it that is
 * not its claim (SET … NX, consume()'s) — whatever form the spend takes.
 */
const spendOf = (id: string) => (args: string[]) => {
  const command = args[0]!.toUpperCase();
  const claim = command === 'SET' && args.some((a) => a.toUpperCase() === 'NX');
  return !READS.has(command) && !claim && args.slice(1).some((a) => a.includes(id));
};

/** Holds the spend of `id` until `request` has answered, then lets it reach Redis. */
async function withSpendHeld<T>(id: string, request: () => Promise<T>): Promise<T> {
  proxy.holdFrom(spendOf(id));
  try {
    return await request();
  } finally {
    proxy.release();
  }
}

async function replaysRecorded(): Promise<number> {
  return (await stack.gateways[0]!.auditLog.range({})).filter((e) => e.type === 'token.replayed').length;
}

/** The token.issued and token.refreshed events in the trail: one per answer that handed tokens out. */
async function issuesRecorded(): Promise<number> {
  return (await stack.gateways[0]!.auditLog.range({})).filter((e) => e.type === 'token.issued' || e.type === 'token.refreshed').length;
}

/** How many access and refresh tokens are stored: none is saved by an answer that hands them out to no one. */
async function tokensStored(): Promise<number> {
  return (await stack.keysMatching('*:AccessToken:json')).length + (await stack.keysMatching('*:RefreshToken:json')).length;
}

/** Past the time a consumption may still be finishing (token-consumption.ts), counted from now. */
const settled = () => sleep(CONSUMPTION_SETTLES_MS + 200);

describe('chaos: the spend reaches Redis after its request answered 503', () => {
  it('a refresh token whose spend came late works when tried again; no replay alarm, the grant kept', { timeout: 60_000 }, async () => {
    const tokens = await exchange(await signIn(stack, new TestBrowser()));
    const token = tokens.refresh_token!;
    const replaysBefore = await replaysRecorded();
    const issuesBefore = await issuesRecorded();
    const storedBefore = await tokensStored();

    const refused = await withSpendHeld(token, () => refreshAsTestRp(stack, token));
    assert.ok(proxy.picked, 'the spend was held');
    assert.equal(refused.status, 503, `answered the outage while the spend was held: ${JSON.stringify(refused.body)} (held ${proxy.picked?.[0]})`);
    assert.equal(refused.body.refresh_token, undefined, 'no token handed out');
    assert.equal(await issuesRecorded(), issuesBefore, 'no token.refreshed for a refresh that handed out nothing');
    // One Redis node: the new tokens and the spend are one script call, the spend checked first.
    assert.equal(await tokensStored(), storedBefore, 'the tokens it would have bought were not saved');

    await settled();
    const again = await refreshAsTestRp(stack, token);
    assert.equal(again.status, 200, `tried again after the late spend (${proxy.picked?.[0]}) reached Redis: ${JSON.stringify(again.body)}`);
    assert.equal(await issuesRecorded(), issuesBefore + 1, 'token.refreshed for the refresh that answered');
    assert.equal((await refreshAsTestRp(stack, again.body.refresh_token!)).status, 200, 'the grant was not revoked');
    assert.equal(await replaysRecorded(), replaysBefore, 'no token.replayed for a refresh that handed out nothing');
    assert.equal((await stack.gateways[0]!.verifyAudit()).ok, true, 'the audit chain is whole');
  });

  it('a code whose spend came late is exchanged when tried again; once answered, it is spent', { timeout: 60_000 }, async () => {
    const signedIn = await signIn(stack, new TestBrowser());
    const code = signedIn.callback.searchParams.get('code')!;
    const replaysBefore = await replaysRecorded();

    const issuesBefore = await issuesRecorded();
    const storedBefore = await tokensStored();
    const first = await withSpendHeld(code, () => tryExchange(signedIn));
    assert.ok(proxy.picked, 'the spend was held');
    assert.equal(first.refused?.status, 503, `answered the outage while the spend was held: ${first.refused?.error} (held ${proxy.picked?.[0]})`);
    assert.equal(await issuesRecorded(), issuesBefore, 'no token.issued for an exchange that handed out nothing');
    assert.equal(await tokensStored(), storedBefore, 'the tokens it would have bought were not saved');

    await settled();
    const again = await tryExchange(signedIn);
    assert.ok(again.tokens?.access_token, `exchanged again after the late spend reached Redis: ${again.refused?.status} ${again.refused?.error}`);
    assert.equal(await replaysRecorded(), replaysBefore, 'no token.replayed for an exchange that handed out nothing');

    // Answered once: spent for good.
    await settled();
    assert.equal((await tryExchange(signedIn)).refused?.error, 'invalid_grant', 'the code presented again after it was answered');
    assert.equal(await replaysRecorded(), replaysBefore + 1);
  });
});
