/**
 * Chaos: a master of a Redis Cluster (three masters, a replica each) is killed under load
 * (once its replica holds what it acknowledged: replication's own loss window is documented,
 * not tested).
 * While its replica takes over its slots, relying parties get only successes or 503
 * `temporarily_unavailable`; the gateway follows the new slot map by itself, every token it
 * handed out before still works, sessions are still there, a security key enrolled before is
 * still listed and signs in, and the audit chain is whole. A
 * refresh whose rotation was cut half-way (its writes span shards) is answered 503 and
 * works when tried again.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { createClusterGroup, killOnceReplicated, type ClusterGroup } from '../support/redis-replicated.ts';
import { failoverUnderLoad } from './failover-load.ts';
import { waitFor } from './wait-for.ts';
import { createKeyNames } from '../../src/store/index.ts';

/** The clinician who enrols a security key before the switch. */
const KEY_HOLDER = '810104567894';

let cluster: ClusterGroup;
let stack: Stack;
const logs: string[] = [];
beforeAll(async () => {
  cluster = await createClusterGroup();
  stack = await startStack({ name: 'chaos-cluster', redisTopology: { clusterNodes: cluster.nodes }, logs });
});
afterAll(async () => {
  await stack?.close();
  await cluster?.dispose();
});

describe('chaos: Cluster master failover', () => {
  it('answers success or the outage answer while a master is replaced by its replica, and keeps what it acknowledged', { timeout: 60_000 }, async () => {
    // The shard that holds the key holder's credential list (tokens and sessions are spread over
    // every shard): what the key check reads after the switch was on the master killed.
    const killed = await cluster.masterOf(createKeyNames(stack.prefix).accountPart(KEY_HOLDER, 'credentials'));
    await failoverUnderLoad(
      stack,
      async () => {
        await killOnceReplicated(killed);
        await waitFor('its replica took over', async () => (await cluster.masters()).length === 3 && cluster.healthy(), 30_000);
      },
      { keyHolder: KEY_HOLDER, logs },
    );
    assert.ok(!(await cluster.masters()).includes(killed));
  });
});
