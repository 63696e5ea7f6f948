/**
 * Private replicated Redis topologies for failover tests, on free ports, never the shared
 * server, all run by redis-server: a Sentinel group (one master, one replica, three sentinels that fail over after 1 s
 * without the master) and a Cluster of three masters with a replica each (node timeout 1 s).
 * Each is ready when created (replicas in sync, sentinels aware of each other, cluster_state
 * ok) and says where its master is now; dispose() stops every process and removes its folders.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createRedisServer, type RedisServer } from './redis-server.ts';
import { freePort } from './ports.ts';
import { REDIS_SERVER } from './prerequisites.ts';
const MASTER_NAME = 'hc-test';

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

/** One command on a short-lived connection (admin of the topology, not the gateway's client). */
async function ask<T>(port: number, command: string, ...args: (string | number)[]): Promise<T> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
    commandTimeout: 2000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.call(command, ...args)) as T;
  } finally {
    client.disconnect();
  }
}

const inSync = async (replica: number) => /master_link_status:up/.test(await ask<string>(replica, 'INFO', 'replication'));

/**
 * Kills a master (SIGKILL) once its replicas hold every write it acknowledged: writes are
 * paused (CLIENT PAUSE WRITE: commands in flight wait, unanswered) until each replica's
 * offset is the master's. This closes asynchronous replication's loss window (a write
 * answered but not yet sent to the replica: docs/operations.md), so that a failover test
 * sees what the gateway itself loses — nothing it acknowledged.
 */
export async function killOnceReplicated(master: RedisServer): Promise<void> {
  await ask(master.port, 'CLIENT', 'PAUSE', '10000', 'WRITE');
  await until('the replicas hold every acknowledged write', async () => {
    const info = await ask<string>(master.port, 'INFO', 'replication');
    const offset = /master_repl_offset:(\d+)/.exec(info)?.[1];
    const replicas = [...info.matchAll(/^slave\d+:.*offset=(\d+)/gm)].map((m) => m[1]);
    return replicas.length > 0 && replicas.every((o) => o === offset);
  });
  await master.stop('SIGKILL');
}

export interface SentinelGroup {
  /** REDIS_SENTINELS and REDIS_SENTINEL_NAME of the group. */
  sentinels: string;
  name: string;
  servers: RedisServer[];
  /** The server the sentinels name as master now. */
  master(): Promise<RedisServer>;
  /** Resolves when the master has a replica in sync (e.g. a restarted old master, turned replica). */
  replicated(): Promise<void>;
  /** A planned switch: SENTINEL FAILOVER (the master is alive and turns replica). */
  failover(): Promise<void>;
  dispose(): Promise<void>;
}

export async function createSentinelGroup(): Promise<SentinelGroup> {
  const master = await createRedisServer();
  const replica = await createRedisServer({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
  const servers = [master, replica];
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  const ports: number[] = [];
  const dispose = async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }
    }
    for (const server of servers) await server.dispose();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until('the replica in sync', () => inSync(replica.port));
    for (let i = 0; i < 3; i += 1) {
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), 'hc-sentinel-'));
      const conf = join(dir, 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          'protected-mode no',
          `dir ${dir}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
          `sentinel failover-timeout ${MASTER_NAME} 5000`,
          '',
        ].join('\n'),
      );
      let spawnError: Error | undefined;
      // redis-server itself runs as a sentinel (Debian's redis-sentinel package is only a link to it).
      const child = spawn(REDIS_SERVER, [conf, '--sentinel'], { stdio: 'ignore' });
      child.once('error', (err) => {
        spawnError = err;
      });
      children.push(child);
      dirs.push(dir);
      ports.push(port);
      await until(`sentinel on port ${port}`, async () => {
        if (spawnError) throw new Error(`cannot start ${REDIS_SERVER} --sentinel (${spawnError.message}): install it, e.g. \`apt-get install redis-server\``);
        return (await ask<string>(port, 'PING')) === 'PONG';
      });
    }
    // Each sentinel knows the replica and the two other sentinels: a failover can be voted.
    for (const port of ports) {
      await until(
        'the sentinels know each other and the replica',
        async () =>
          (await ask<unknown[]>(port, 'SENTINEL', 'REPLICAS', MASTER_NAME)).length === 1 &&
          (await ask<unknown[]>(port, 'SENTINEL', 'SENTINELS', MASTER_NAME)).length === 2,
      );
    }
  } catch (err) {
    await dispose();
    throw err;
  }
  const group: SentinelGroup = {
    sentinels: ports.map((p) => `127.0.0.1:${p}`).join(','),
    name: MASTER_NAME,
    servers,
    async master() {
      for (const port of ports) {
        const address = await ask<[string, string] | null>(port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME).catch(() => null);
        const server = address && servers.find((s) => s.port === Number(address[1]));
        if (server) return server;
      }
      throw new Error('no sentinel names a master');
    },
    async replicated() {
      await until(
        'the master has a replica in sync',
        async () => {
          const master = await group.master();
          const replica = servers.find((s) => s !== master && s.pid !== undefined);
          return Boolean(replica) && /role:master/.test(await ask<string>(master.port, 'INFO', 'replication')) && inSync(replica!.port);
        },
        30_000,
      );
    },
    async failover() {
      await ask(ports[0]!, 'SENTINEL', 'FAILOVER', MASTER_NAME);
    },
    dispose,
  };
  return group;
}

export interface ClusterGroup {
  /** REDIS_CLUSTER_NODES: every node. */
  nodes: string;
  servers: RedisServer[];
  /** The masters now, by what the cluster says. */
  masters(): Promise<RedisServer[]>;
  /** The master that serves `key`'s slot now (a test can then fail over the shard that holds what it checks). */
  masterOf(key: string): Promise<RedisServer>;
  /** True when every node says cluster_state:ok and each master has a replica in sync. */
  healthy(): Promise<boolean>;
  dispose(): Promise<void>;
}

/** Three masters, each with one replica; a master unreachable for 1 s is replaced by its replica. */
export async function createClusterGroup(): Promise<ClusterGroup> {
  const servers: RedisServer[] = [];
  const dispose = async () => {
    for (const server of servers) await server.dispose();
  };
  const alive = () => servers.filter((s) => s.pid !== undefined);
  const masters = async () => {
    const found: RedisServer[] = [];
    for (const server of alive()) {
      if (/role:master/.test(await ask<string>(server.port, 'INFO', 'replication').catch(() => ''))) found.push(server);
    }
    return found;
  };
  const masterOf = async (key: string) => {
    const { port } = alive()[0]!;
    const slot = await ask<number>(port, 'CLUSTER', 'KEYSLOT', key);
    const ranges = await ask<[number, number, [string, number, ...unknown[]]][]>(port, 'CLUSTER', 'SLOTS');
    const owner = ranges.find(([start, end]) => slot >= start && slot <= end)?.[2][1];
    const master = servers.find((s) => s.port === owner);
    if (!master) throw new Error(`no master serves slot ${slot} (${key})`);
    return master;
  };
  const healthy = async () => {
    for (const server of alive()) {
      if (!/cluster_state:ok/.test(await ask<string>(server.port, 'CLUSTER', 'INFO'))) return false;
      const replication = await ask<string>(server.port, 'INFO', 'replication');
      if (/role:slave/.test(replication) && !/master_link_status:up/.test(replication)) return false;
    }
    return true;
  };
  try {
    for (let i = 0; i < 6; i += 1) {
      servers.push(await createRedisServer({ args: ['--cluster-enabled', 'yes', '--cluster-node-timeout', '1000', '--cluster-replica-validity-factor', '0'] }));
    }
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '1', '--cluster-yes'], {
      timeout: 20_000,
    });
    await until('the cluster ok and its replicas in sync', healthy);
  } catch (err) {
    await dispose();
    throw err;
  }
  return { nodes: servers.map((s) => `127.0.0.1:${s.port}`).join(','), servers, masters, masterOf, healthy, dispose };
}
