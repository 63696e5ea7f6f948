/**
 * Chaos: the token endpoint consumed the code or refresh token it was given, then failed
 * before answering — here Redis refuses the tokens' save (an ACL takes HSET away: of an
 * exchange's or a refresh's commands, only the writes of the new tokens' grant index send
 * it), as a Cluster shard lost half-way through, or any fault between the consumption and the
 * answer, would. No token is handed out, so the code or refresh token the application holds
 * has not been used: tried again (integration.md tells applications to retry a 5xx), it must
 * work once Redis takes the writes again. Taken for a replay, it would revoke the clinician's
 * grant (oidc-provider's answer to a code or refresh token presented twice) and write a false
 * `token.replayed` alarm. Once a request has answered with tokens, what it consumed is spent
 * for good: presented again, even long after, it is the replay oidc-provider refuses. The trail
 * says `token.issued` (`token.refreshed`) only for the answer that handed tokens out.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { startStack, type Stack } from '../support/stack.ts';
import { createRedisServer, type RedisServer } from '../support/redis-server.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, signIn } from '../support/psc-login.ts';
import { refreshAsTestRp, tryExchange } from '../support/token-requests.ts';
import { CONSUMPTION_SETTLES_MS } from '../../src/store/token-consumption.ts';

let redis: RedisServer;
let admin: Redis;
let stack: Stack;
const logs: string[] = [];
beforeAll(async () => {
  redis = await createRedisServer();
  admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  stack = await startStack({ name: 'chaos-answer-refused', redisUrl: redis.url, logs });
});
afterAll(async () => {
  await stack?.close();
  admin?.disconnect();
  await redis?.dispose();
});

/** Redis refuses `command` (NOPERM) while `fn` runs: HSET, the new tokens' save. */
async function withRefused<T>(command: string, fn: () => Promise<T>): Promise<T> {
  await admin.call('ACL', 'SETUSER', 'default', `-${command}`);
  try {
    return await fn();
  } finally {
    await admin.call('ACL', 'SETUSER', 'default', `+${command}`);
  }
}
const withTokenSaveRefused = <T>(fn: () => Promise<T>) => withRefused('hset', fn);

/** Past the time a consumption may still be finishing in another request (token-consumption.ts). */
const settled = () => sleep(CONSUMPTION_SETTLES_MS + 200);

const refresh = (refreshToken: string) => refreshAsTestRp(stack, refreshToken);

async function replaysRecorded(): Promise<number> {
  return (await stack.gateways[0]!.auditLog.range({})).filter((e) => e.type === 'token.replayed').length;
}

/** The token.issued and token.refreshed events in the trail: one per answer that handed tokens out. */
async function issuesRecorded(): Promise<number> {
  return (await stack.gateways[0]!.auditLog.range({})).filter((e) => e.type === 'token.issued' || e.type === 'token.refreshed').length;
}

describe('chaos: the token answer refused after the code or refresh token was consumed', () => {
  it('a code is not spent by an exchange that answered no tokens: exchanged again, it works; once answered, it is spent', { timeout: 60_000 }, async () => {
    const signedIn = await signIn(stack, new TestBrowser());
    const replaysBefore = await replaysRecorded();
    const issuesBefore = await issuesRecorded();
    const first = await withTokenSaveRefused(() => tryExchange(signedIn));
    assert.ok(first.refused, 'the exchange is refused while the tokens cannot be saved');
    assert.ok(first.refused.status >= 500, `a server-side refusal: ${first.refused.status} ${first.refused.error}`);
    assert.equal(await issuesRecorded(), issuesBefore, 'no token.issued for an exchange that handed out nothing');

    // At once: the first exchange may still be running elsewhere — the outage answer, never a replay verdict.
    const early = await tryExchange(signedIn);
    assert.equal(early.refused?.status, 503, `tried again at once: ${early.refused?.status} ${early.refused?.error}`);
    assert.equal(early.refused?.error, 'temporarily_unavailable');
    await settled();
    const again = await tryExchange(signedIn);
    assert.ok(again.tokens?.access_token, `exchanged again: ${again.refused?.status} ${again.refused?.error}`);
    assert.equal(await issuesRecorded(), issuesBefore + 1, 'token.issued for the exchange that answered');
    assert.equal((await refresh(again.tokens.refresh_token!)).status, 200, 'its grant was not revoked');
    assert.equal(await replaysRecorded(), replaysBefore, 'no token.replayed for an exchange that handed out nothing');

    // Answered once: spent for good, however long after.
    await settled();
    const reused = await tryExchange(signedIn);
    assert.equal(reused.refused?.error, 'invalid_grant', 'the code presented again after it was answered');
    assert.equal(await replaysRecorded(), replaysBefore + 1);
    assert.equal((await stack.gateways[0]!.verifyAudit()).ok, true, 'the audit chain is whole');
  });

  it('a refresh token is not spent by a refresh that answered no tokens: tried again, it works; once answered, it is spent', { timeout: 60_000 }, async () => {
    const tokens = await exchange(await signIn(stack, new TestBrowser()));
    const replaysBefore = await replaysRecorded();
    const issuesBefore = await issuesRecorded();
    const refused = await withTokenSaveRefused(() => refresh(tokens.refresh_token!));
    assert.ok(refused.status >= 500, `refused while the tokens cannot be saved: ${refused.status} ${JSON.stringify(refused.body)}`);
    assert.equal(refused.body.refresh_token, undefined, 'no token handed out');
    assert.equal(await issuesRecorded(), issuesBefore, 'no token.refreshed for a refresh that handed out nothing');

    const early = await refresh(tokens.refresh_token!);
    assert.equal(early.status, 503, `tried again at once: ${JSON.stringify(early.body)}`);
    await settled();
    const again = await refresh(tokens.refresh_token!);
    assert.equal(again.status, 200, `tried again: ${JSON.stringify(again.body)}`);
    assert.equal((await refresh(again.body.refresh_token!)).status, 200, 'the grant was not revoked');
    assert.equal(await replaysRecorded(), replaysBefore, 'no token.replayed for a refresh that handed out nothing');

    await settled();
    assert.equal((await refresh(tokens.refresh_token!)).body.error, 'invalid_grant', 'the token presented again after it was answered');
    assert.equal(await replaysRecorded(), replaysBefore + 1);
    assert.equal((await stack.gateways[0]!.verifyAudit()).ok, true, 'the audit chain is whole');
  });

  it('a command Redis refuses is logged without its arguments: the token presented never reaches the log', { timeout: 30_000 }, async () => {
    const tokens = await exchange(await signIn(stack, new TestBrowser()));
    const from = logs.length;
    // The refresh token's lookup (MGET of its record and use mark, keyed by the token itself) refused.
    const refused = await withRefused('mget', () => refresh(tokens.refresh_token!));
    assert.ok(refused.status >= 500, `refused: ${refused.status}`);
    const written = logs.slice(from).join('');
    assert.match(written, /NOPERM|no permissions/, 'the refusal is logged');
    assert.equal(written.includes(tokens.refresh_token!), false, `the refresh token is not in the log: ${written.slice(0, 600)}`);
    assert.equal((await refresh(tokens.refresh_token!)).status, 200, 'and it still works');
  });
});
