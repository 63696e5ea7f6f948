/**
 * A throw-away three-master Redis Cluster for the scaling run (`--scaling`): three private
 * redis-servers (free ports, no persistence, cluster mode), joined with CLUSTER MEET and given
 * a third of the 16,384 slots each (CLUSTER ADDSLOTSRANGE, Redis >= 7.0), from Node alone so
 * that the portable bundle (which carries redis-server, not redis-cli) can start it too.
 */
import { Redis } from 'ioredis';
import { createRedisServer, type RedisServer } from '../test/support/redis-server.ts';

export interface BenchCluster {
  /** Seed nodes, host:port,… (REDIS_CLUSTER_NODES). */
  nodes: string;
  /** One URL per master (INFO of each: commands, CPU). */
  urls: string[];
  pids: number[];
  close(): Promise<void>;
}

const SLOTS = 16_384;

export async function startBenchCluster(masters = 3): Promise<BenchCluster> {
  const servers: RedisServer[] = [];
  try {
    for (let i = 0; i < masters; i += 1) servers.push(await createRedisServer({ args: ['--cluster-enabled', 'yes'] }));
    const clients = servers.map((s) => new Redis(s.url));
    try {
      for (const client of clients.slice(1)) await client.cluster('MEET', '127.0.0.1', servers[0]!.port);
      await Promise.all(
        clients.map((client, i) => {
          const from = Math.floor((SLOTS * i) / masters);
          const to = Math.floor((SLOTS * (i + 1)) / masters) - 1;
          return client.call('CLUSTER', 'ADDSLOTSRANGE', from, to);
        }),
      );
      const deadline = Date.now() + 20_000;
      for (;;) {
        const infos = await Promise.all(clients.map((c) => c.cluster('INFO') as Promise<string>));
        if (infos.every((info) => /cluster_state:ok/.test(info) && new RegExp(`cluster_known_nodes:${masters}\\b`).test(info))) break;
        if (Date.now() > deadline)
          throw new Error(
            `redis cluster: expected cluster_state:ok on ${masters} nodes within 20 s, got ${infos.map((i) => /cluster_state:\w+/.exec(i)?.[0]).join(', ')}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      for (const client of clients) client.disconnect();
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.dispose()));
    throw err;
  }
  return {
    nodes: servers.map((s) => `127.0.0.1:${s.port}`).join(','),
    urls: servers.map((s) => s.url),
    pids: servers.map((s) => s.pid!),
    async close() {
      await Promise.all(servers.map((s) => s.dispose()));
    },
  };
}
