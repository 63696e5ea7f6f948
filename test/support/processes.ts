/**
 * Gateway processes for tests that need real OS processes (`node src/main.ts`): spawn with
 * an environment, wait until /readyz answers or a line appears, stop with a signal and get
 * the exit code. Output is kept for assertions and failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_REDIS_URL } from './redis.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface GatewayProcess {
  child: ChildProcess;
  output(): string;
  waitForOutput(pattern: RegExp, ms?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Where a gateway started by the tests listens, keeps its data and finds PSC. */
export interface MainSettings {
  issuer: string;
  port: number;
  /** Redis key prefix of the test (on TEST_REDIS_URL). */
  prefix: string;
  /** Holds the keys and clients.json. */
  dir: string;
  pscIssuer: string;
  pscSecret: string;
}

/** The environment of `node src/main.ts` as the tests start it (not the sandbox; logs at warn unless `extra` says). */
export function mainEnv(settings: MainSettings, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    SANDBOX: 'false',
    ISSUER: settings.issuer,
    PORT: String(settings.port),
    HOST: 'localhost',
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: settings.prefix,
    KEYS_DIR: settings.dir,
    CLIENTS_FILE: join(settings.dir, 'clients.json'),
    PSC_ISSUER: settings.pscIssuer,
    PSC_CLIENT_SECRET: settings.pscSecret,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

export function spawnMain(env: Record<string, string>): GatewayProcess {
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    output: () => out,
    async waitForOutput(pattern, ms = 15000) {
      const deadline = Date.now() + ms;
      while (!pattern.test(out)) {
        if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before ${pattern}:\n${out}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export async function waitUntilReady(url: string, ms = 15000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
