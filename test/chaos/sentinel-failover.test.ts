/**
 * Chaos: the Redis master of a Sentinel group (one master, one replica, three sentinels) is
 * switched under load, once planned (SENTINEL FAILOVER), then killed (once the replica holds
 * what it acknowledged: replication's own loss window is documented, not tested). While the
 * sentinels vote and promote the replica, relying parties get only successes or 503
 * `temporarily_unavailable`; the gateway finds the new master by itself (no restart), every
 * token it handed out before still works, sessions are still there, a security key enrolled
 * before is still listed and signs in, and the audit chain is whole. A refresh whose rotation was cut by the switch is answered 503 and works when tried
 * again (not invalid_grant).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { createSentinelGroup, killOnceReplicated, type SentinelGroup } from '../support/redis-replicated.ts';
import { failoverUnderLoad } from './failover-load.ts';
import { waitFor } from './wait-for.ts';

let group: SentinelGroup;
let stack: Stack;
const logs: string[] = [];
beforeAll(async () => {
  group = await createSentinelGroup();
  stack = await startStack({ name: 'chaos-sentinel', redisTopology: { sentinels: group.sentinels, sentinelName: group.name }, logs });
});
afterAll(async () => {
  await stack?.close();
  await group?.dispose();
});

describe('chaos: Sentinel failover', () => {
  it('answers success or the outage answer during a planned switch (SENTINEL FAILOVER: the old master turns replica)', { timeout: 60_000 }, async () => {
    const old = await group.master();
    await failoverUnderLoad(
      stack,
      async () => {
        await group.failover();
        await waitFor('the sentinels switched masters', async () => (await group.master().catch(() => old)) !== old, 30_000);
      },
      { keyHolder: '810104567894', logs },
    );
    assert.notEqual(await group.master(), old);
  });

  it('answers success or the outage answer while a killed master is replaced, and keeps what it acknowledged', { timeout: 60_000 }, async () => {
    await group.replicated(); // the old master of the planned switch, now in sync as replica
    const old = await group.master();
    await failoverUnderLoad(
      stack,
      async () => {
        await killOnceReplicated(old);
        await waitFor('the sentinels promoted the replica', async () => (await group.master().catch(() => old)) !== old, 30_000);
      },
      { keyHolder: '810105678905', logs },
    );
    assert.notEqual(await group.master(), old);
  });
});
