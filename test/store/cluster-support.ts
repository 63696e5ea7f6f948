/**
 * Optional Redis Cluster runs of the contract suites: set TEST_REDIS_CLUSTER_NODES
 * ("host:port,...") to run them; keys are cleaned per master node (SCAN + UNLINK).
 */
import { Cluster } from 'ioredis';
import { parseHostList } from '../../src/store/redis-target.ts';

export const TEST_REDIS_CLUSTER_NODES = process.env.TEST_REDIS_CLUSTER_NODES;

export async function deleteClusterPrefix(prefix: string, nodes = TEST_REDIS_CLUSTER_NODES ?? ''): Promise<void> {
  const cluster = new Cluster(parseHostList(nodes, 'TEST_REDIS_CLUSTER_NODES'));
  try {
    await cluster.ping();
    for (const node of cluster.nodes('master')) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        for (const key of keys) await node.unlink(key);
      } while (cursor !== '0');
    }
  } finally {
    cluster.disconnect();
  }
}
