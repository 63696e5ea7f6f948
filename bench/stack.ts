/**
 * The stack under measurement, every part in its own process so that each one's CPU and
 * memory can be read: a private redis-server (free port, no persistence, nothing shared with a
 * developer's Redis), the PSC simulator, the gateway as `npm start` runs it (src/main.ts with
 * the start script's node options, configured through its environment variables only) and the
 * bare oidc-provider baseline (node's default options).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cluster, Redis } from 'ioredis';
import { createRedisServer } from '../test/support/redis-server.ts';
import { startBenchCluster } from './redis-cluster.ts';
import { freePort } from '../test/support/ports.ts';
import { writeGatewayClients, BENCH_REDIRECT_URI } from './clients.ts';
import { writePractitioners } from './practitioners.ts';
import { START_ENTRY, startNodeOptions } from './start-script.ts';
import { inspectorUrlIn } from './alloc-sampler.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PSC_ISSUER_PATH = '/auth/realms/esante-wallet';
/** Budgets far above what the bench sends: the limits stay on (they cost Redis round trips in production too). */
const NO_LIMIT = '1000000'; // the schema's most points per window

export interface Part {
  name: string;
  /** Base URL (the issuer for the gateway and the baseline). */
  url: string;
  /** Its processes (several gateway or baseline instances share one port: SO_REUSEPORT). */
  pids: number[];
  /** Each process's inspector (WebSocket URL), when started for allocation profiles. */
  inspectors?: string[];
}

export interface Stack {
  gateway: Part;
  baseline: Part;
  psc: Part;
  redis: {
    /** The (first) node's URL. */
    url: string;
    /** Every master's URL (one for a single node): INFO is read from each. */
    urls: string[];
    /** Seed nodes when the stack runs on a Redis Cluster. */
    clusterNodes?: string;
    pids: number[];
    /** A client of the whole store (Cluster client on a cluster). */
    connect(): Redis | Cluster;
  };
  /** The node options the gateway processes run with. */
  gatewayNodeOptions: string[];
  /** The bench clients' shared secret (bench-dpi, bench-m2m). */
  secret: string;
  /** Key prefixes in Redis. */
  prefixes: { gateway: string; baseline: string };
  /** National ids of the PSC simulator's practitioners (none has signed in yet). */
  clinicians: string[];
  /** The last lines a process wrote (for error messages): 'gateway-1', 'baseline-1', 'psc'. */
  logTail(part: string): string;
  close(): Promise<void>;
}

export interface StackOptions {
  clinicians: number;
  /** Processes of the gateway, and of the baseline, each sharing its port (default 1). */
  instances?: number;
  /** Start the gateway and the baseline with --cpu-prof, profiles written into this folder (gateway-N.cpuprofile, baseline-N.cpuprofile). */
  cpuProfileDir?: string;
  /** Start the gateway and the baseline with their inspector on a free loopback port (alloc-sampler.ts). */
  inspect?: boolean;
  /** Gateway log level (default 'info', as in production: one line per request). */
  logLevel?: string;
  progress?: (line: string) => void;
  /** Overrides of the gateway's environment. */
  gatewayEnv?: Record<string, string>;
  /** Node options of the gateway processes (default: those of `npm start`, from package.json's start script). */
  gatewayNodeOptions?: string[] | undefined;
  /** Run on a three-master Redis Cluster started for the stack instead of one redis-server. */
  cluster?: boolean;
}

interface StackRedis {
  url: string;
  urls: string[];
  pids: number[];
  clusterNodes?: string;
  dispose(): Promise<void>;
}

async function startRedis(cluster: boolean): Promise<StackRedis> {
  if (cluster) {
    const c = await startBenchCluster(3);
    return { url: c.urls[0]!, urls: c.urls, pids: c.pids, clusterNodes: c.nodes, dispose: () => c.close() };
  }
  const server = await createRedisServer();
  return { url: server.url, urls: [server.url], pids: [server.pid!], dispose: () => server.dispose() };
}

/** Where a process finds the store: REDIS_URL, or REDIS_CLUSTER_NODES on a cluster. */
const redisEnv = (redis: StackRedis): Record<string, string> => (redis.clusterNodes ? { REDIS_CLUSTER_NODES: redis.clusterNodes } : { REDIS_URL: redis.url });

export async function startStack(options: StackOptions): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'hc-bench-'));
  const children: ChildProcess[] = [];
  let redis: StackRedis | undefined;
  const say = options.progress ?? (() => {});
  try {
    say(options.cluster ? 'starting a three-master Redis Cluster…' : 'starting redis-server…');
    redis = await startRedis(options.cluster ?? false);
    const [gatewayPort, baselinePort, pscPort] = [await freePort(), await freePort(), await freePort()];
    const issuer = `http://localhost:${gatewayPort}`;
    const baselineIssuer = `http://localhost:${baselinePort}`;
    const pscIssuer = `http://127.0.0.1:${pscPort}${PSC_ISSUER_PATH}`;
    const secret = randomBytes(32).toString('base64url');
    const pscSecret = randomBytes(32).toString('base64url');
    const instances = options.instances ?? 1;
    // The gateway's keys are named as in production (config/schema.ts's default prefix): what a session weighs in Redis depends on its key names.
    const prefixes = { gateway: 'hc:', baseline: 'hcbench:base:' };
    const clinicians = writePractitioners(join(dir, 'practitioners.json'), options.clinicians);
    writeGatewayClients(join(dir, 'clients.json'));

    const start = (name: string, script: string, env: Record<string, string>, nodeArgs: string[] = []) => {
      const log = openSync(join(dir, `${name}.log`), 'a');
      const child = spawn(process.execPath, [...nodeArgs, script], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, ...env },
        stdio: ['ignore', log, log],
      });
      closeSync(log);
      children.push(child);
      return child;
    };

    say('starting the PSC simulator…');
    const psc = start('psc', 'bench/servers/psc.ts', {
      PORT: String(pscPort),
      PSC_CLIENT_SECRET: pscSecret,
      GATEWAY_ISSUER: issuer,
      PRACTITIONERS_FILE: join(dir, 'practitioners.json'),
    });
    await waitForUrl(`${pscIssuer}/.well-known/openid-configuration`, psc, () => tail(dir, 'psc'));

    // Named by process, so that the gateway's and the baseline's profiles can be compared window by window (profile-summary.ts).
    const profile = (name: string) =>
      options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir, '--cpu-prof-name', `${name}.cpuprofile`] : [];
    // The inspector on a free loopback port; the process prints its address on stderr, into its log.
    const inspect = options.inspect ? ['--inspect=127.0.0.1:0'] : [];
    const inspectorOf = (name: string) => {
      const url = inspectorUrlIn(readFileSync(join(dir, `${name}.log`), 'utf8'));
      if (!url) throw new Error(`${name}: started with --inspect, but its log names no inspector:\n${tail(dir, name)}`);
      return url;
    };
    const gatewayEnv = {
      NODE_ENV: 'development',
      ISSUER: issuer,
      HOST: '127.0.0.1',
      PORT: String(gatewayPort),
      HTTP_REUSE_PORT: 'true',
      ...redisEnv(redis),
      REDIS_PREFIX: prefixes.gateway,
      KEYS_DIR: join(dir, 'keys'),
      CLIENTS_FILE: join(dir, 'clients.json'),
      BENCH_CLIENT_SECRET: secret,
      PSC_ISSUER: pscIssuer,
      PSC_CLIENT_SECRET: pscSecret,
      SANDBOX: 'false',
      LOG_LEVEL: options.logLevel ?? 'info',
      RATE_LIMIT_SIGNIN_PER_IP: NO_LIMIT,
      RATE_LIMIT_KEY_FAILURES_PER_ACCOUNT: NO_LIMIT,
      RATE_LIMIT_TOKEN_PER_CLIENT: NO_LIMIT,
      RATE_LIMIT_CLIENT_AUTH_FAILURES_PER_IP: NO_LIMIT,
      ...options.gatewayEnv,
    };
    // As `npm start` runs it: the start script's node options, unless the bench was given others.
    const gatewayNodeOptions = options.gatewayNodeOptions ?? startNodeOptions();
    // One after the other: the first one writes the missing key files, the next ones read them.
    const gateways: ChildProcess[] = [];
    for (let i = 0; i < instances; i += 1) {
      say(`starting gateway instance ${i + 1}/${instances} (node ${[...gatewayNodeOptions, START_ENTRY].join(' ')})…`);
      const gateway = start(`gateway-${i + 1}`, START_ENTRY, gatewayEnv, [...gatewayNodeOptions, ...profile(`gateway-${i + 1}`), ...inspect]);
      await waitForLine(gateway, join(dir, `gateway-${i + 1}.log`), '"msg":"gateway listening"');
      gateways.push(gateway);
    }

    const baselineKey = await generateKeyPair('ES256', { extractable: true });
    const baselineEnv = {
      PORT: String(baselinePort),
      ...redisEnv(redis),
      REDIS_PREFIX: prefixes.baseline,
      BENCH_CLIENT_SECRET: secret,
      BENCH_REDIRECT_URI,
      // Shared by its instances, like the gateway's key files.
      BASELINE_JWK: JSON.stringify(await exportJWK(baselineKey.privateKey)),
      BASELINE_COOKIE_KEY: randomBytes(32).toString('base64url'),
    };
    const baselines: ChildProcess[] = [];
    for (let i = 0; i < instances; i += 1) {
      say(`starting baseline instance ${i + 1}/${instances} (bare oidc-provider)…`);
      const baseline = start(`baseline-${i + 1}`, 'bench/servers/baseline.ts', baselineEnv, [...profile(`baseline-${i + 1}`), ...inspect]);
      await waitForLine(baseline, join(dir, `baseline-${i + 1}.log`), 'baseline listening');
      baselines.push(baseline);
    }

    const server = redis;
    return {
      gateway: {
        name: 'gateway',
        url: issuer,
        pids: gateways.map((c) => c.pid!),
        ...(options.inspect ? { inspectors: gateways.map((_, i) => inspectorOf(`gateway-${i + 1}`)) } : {}),
      },
      baseline: {
        name: 'baseline',
        url: baselineIssuer,
        pids: baselines.map((c) => c.pid!),
        ...(options.inspect ? { inspectors: baselines.map((_, i) => inspectorOf(`baseline-${i + 1}`)) } : {}),
      },
      psc: { name: 'psc', url: pscIssuer, pids: [psc.pid!] },
      redis: {
        url: server.url,
        urls: server.urls,
        pids: server.pids,
        ...(server.clusterNodes ? { clusterNodes: server.clusterNodes } : {}),
        connect: () =>
          server.clusterNodes
            ? new Cluster(server.clusterNodes.split(',').map((hostPort) => ({ host: hostPort.split(':')[0]!, port: Number(hostPort.split(':')[1]) })))
            : new Redis(server.url),
      },
      gatewayNodeOptions,
      secret,
      prefixes,
      clinicians,
      logTail: (part) => tail(dir, part),
      async close() {
        await stopAll(children);
        await server.dispose();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopAll(children);
    await redis?.dispose();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** SIGTERM (the gateway drains, and writes its CPU profile), SIGKILL after 15 s. */
async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

/** The last lines of a log file (for error messages). */
function tailOf(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

const tail = (dir: string, part: string) => tailOf(join(dir, `${part}.log`));

/**
 * Waits until the process wrote `line` in its log (each instance says when it listens: a URL
 * would answer from the first instance already); fails at once if it exits, or after 30 s.
 */
async function waitForLine(child: ChildProcess, file: string, line: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${file}: the process exited (${child.exitCode ?? child.signalCode}):\n${tailOf(file)}`);
    if (readFileSync(file, 'utf8').includes(line)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${file}: no "${line}" within 30 s:\n${tailOf(file)}`);
}

/** Polls `url` until it answers 200; fails at once if the process exits, or after 30 s. */
async function waitForUrl(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${url}: the process exited (${child.exitCode ?? child.signalCode}):\n${log()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer 200 within 30 s:\n${log()}`);
}
