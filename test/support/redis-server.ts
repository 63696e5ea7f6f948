/**
 * A private redis-server for tests that stop, kill or restart Redis (outage and chaos tests):
 * its own port and folder, never the shared server on 6379. `appendonly: true` turns on AOF
 * (fsync every write) so that a restart shows what persistence keeps; `faults: true` lets the
 * test freeze it (DEBUG SLEEP) or break its disk (CONFIG SET dir). Starting throws when
 * redis-server is not installed (saying what to install) or does not answer within 5 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.ts';
import { REDIS_SERVER } from './prerequisites.ts';

export interface RedisServer {
  url: string;
  port: number;
  /** The server's process id while it runs (CPU and memory figures of the bench). */
  readonly pid: number | undefined;
  /** Starts it (again) on the same port and folder; resolves when it answers PING. */
  start(): Promise<void>;
  /** Stops it with a signal (SIGKILL: a crash; SIGTERM: a clean shutdown). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops it and removes its folder. */
  dispose(): Promise<void>;
}

export interface RedisServerOptions {
  /** AOF on, fsync on every write. */
  appendonly?: boolean;
  /** Lets the test make faults: DEBUG (SLEEP) and CONFIG SET of protected settings (dir). */
  faults?: boolean;
  /** More redis-server arguments, e.g. `--replicaof` or `--cluster-enabled yes` (redis-replicated.ts). */
  args?: string[];
}

export async function createRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hc-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--protected-mode',
    'no',
    ...(options.appendonly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    ...(options.faults ? ['--enable-debug-command', 'yes', '--enable-protected-configs', 'yes'] : []),
    ...(options.args ?? []),
  ];

  const server: RedisServer = {
    url,
    port,
    get pid() {
      return child?.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    async start() {
      let spawnError: Error | undefined;
      child = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
      child.once('error', (err) => {
        spawnError = err;
      });
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {
        /* not up yet: retried below */
      });
      try {
        for (let i = 0; i < 100; i += 1) {
          if (spawnError) throw new Error(`cannot start ${REDIS_SERVER} (${spawnError.message}): install it, e.g. \`apt-get install redis-server\``);
          try {
            if (probe.status !== 'ready') await probe.connect();
            await probe.ping();
            return;
          } catch {
            probe.disconnect();
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
        throw new Error(`redis-server on port ${port} did not answer within 5 s`);
      } finally {
        probe.disconnect();
      }
    },
    async stop(signal = 'SIGKILL') {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
    async dispose() {
      await server.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** Does a Redis answer PING at this URL within a second? */
export async function redisAnswers(url: string): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    commandTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  probe.on('error', () => {
    /* answered below */
  });
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
