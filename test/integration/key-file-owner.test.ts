/**
 * Keys made by `npm run keys` and a gateway that runs as another user (the image's `node`,
 * uid 1000): start-up stops with exit code 2 and one line naming the file, the user it runs as
 * and the command that fixes it; keys made with `--owner` start. Run as root, the gateway is
 * spawned as uid 1000; otherwise the files are made unreadable (chmod 000) for the same refusal.
 */
import { afterAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/ports.ts';
import { TEST_REDIS_URL, deletePrefix, uniquePrefix } from '../support/redis.ts';
import { waitUntilReady } from '../support/processes.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const AS_ROOT = process.getuid?.() === 0;
/** The user the gateway runs as here: the image's `node` user when we may switch to it. */
const RUN_AS = AS_ROOT ? { uid: 1000, gid: 1000 } : { uid: process.getuid!(), gid: process.getgid!() };
const prefix = uniquePrefix('key-file-owner');
const dir = mkdtempSync(join(tmpdir(), 'hc-key-owner-'));
chmodSync(dir, 0o755); // uid 1000 must reach the folders below; the files themselves are the point
const clientsFile = join(dir, 'clients.json');
writeFileSync(
  clientsFile,
  JSON.stringify([{ client_id: 'owner-rp', client_name: 'RP', redirect_uris: ['https://rp.example/cb'], client_secret_env: 'OWNER_RP_SECRET' }]),
  { mode: 0o644 },
);

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await deletePrefix(prefix);
});

/** `npm run keys -- --dir <folder> [...]`, as the user running the tests. */
function makeKeys(folder: string, ...extra: string[]) {
  const run = spawnSync(process.execPath, ['src/signing-keys/cli.ts', '--dir', folder, ...extra], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, `npm run keys: ${run.stderr}`);
}

/** `node src/main.ts` as RUN_AS; resolves with the exit code and output once it exits or is ready. */
async function start(keysDir: string): Promise<{ code: number | null; output: string; ready: boolean }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: ROOT,
    ...(AS_ROOT ? RUN_AS : {}),
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      SANDBOX: 'false',
      PORT: String(port),
      HOST: 'localhost',
      ISSUER: `http://localhost:${port}`,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      KEYS_DIR: keysDir,
      CLIENTS_FILE: clientsFile,
      OWNER_RP_SECRET: 'r'.repeat(40),
      PSC_ISSUER: 'http://localhost:9/auth/realms/esante-wallet',
      PSC_CLIENT_SECRET: 's'.repeat(40),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ready = waitUntilReady(`http://localhost:${port}`, 15_000).then(
    () => true,
    () => false,
  );
  const first = await Promise.race([exited.then(() => 'exited' as const), ready.then(() => 'ready' as const)]);
  if (first === 'ready') {
    child.kill('SIGKILL');
    await exited;
    return { code: null, output, ready: true };
  }
  return { code: await exited, output, ready: false };
}

describe('key files and the user the gateway runs as', () => {
  it('keys made by another user: exit code 2 and one line saying whose they are and how to fix it', async () => {
    const keys = join(dir, 'made-by-root');
    makeKeys(keys);
    if (!AS_ROOT) for (const file of ['jwks.json', 'cookie-keys.json', 'audit-mac-key.json']) chmodSync(join(keys, file), 0o000);
    const { code, output } = await start(keys);
    assert.equal(code, 2, output);
    const lines = output.split('\n').filter((line) => line.includes('jwks.json'));
    assert.equal(lines.length, 1, `one line about the file:\n${output}`);
    const [line] = lines as [string];
    assert.match(line, /not readable by the gateway's user \(uid \d+/, line);
    assert.match(line, new RegExp(`uid ${RUN_AS.uid}\\b`), 'names the user it runs as');
    assert.match(line, /mode 0?[0-7]{3}/, 'says what the file allows');
    assert.match(line, new RegExp(`npm run keys -- --dir \\S+ --owner ${RUN_AS.uid}:${RUN_AS.gid}|chown ${RUN_AS.uid}:${RUN_AS.gid}`), 'says what to run');
    assert.doesNotMatch(output, /EACCES.*\n.*EACCES/s, 'no stack trace, no repeated errno');
  });

  it("keys made with --owner <the gateway's user>: the gateway starts, the files stay private", async () => {
    const keys = join(dir, 'made-for-node');
    makeKeys(keys, '--owner', `${RUN_AS.uid}:${RUN_AS.gid}`);
    for (const file of ['jwks.json', 'cookie-keys.json', 'audit-mac-key.json']) {
      const stat = statSync(join(keys, file));
      assert.equal(stat.uid, RUN_AS.uid, `${file} owned by the gateway's user`);
      assert.equal(stat.mode & 0o077, 0, `${file}: nobody else reads it`);
    }
    const { ready, output } = await start(keys);
    assert.ok(ready, `ready:\n${output}`);
  });
});
