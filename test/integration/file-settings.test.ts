/**
 * The assurance policy (ASSURANCE_FILE) and the authenticator names (WEBAUTHN_AAGUIDS_FILE) are
 * file settings: a file that cannot be read stops `node src/main.ts` with exit code 2 and one
 * line naming the key, its variable and the path, as CLIENTS_FILE does; never a stack trace.
 */
import { afterAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/ports.ts';
import { spawnMain } from '../support/processes.ts';

describe('file settings at start-up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hc-file-settings-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function exit(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
    // config/clients.json as shipped; its demo DPI's secret is read from the environment.
    const run = spawnMain({
      SANDBOX: 'false',
      PORT: String(await freePort()),
      KEYS_DIR: join(dir, 'keys'),
      LOG_LEVEL: 'warn',
      DEMO_DPI_CLIENT_SECRET: 's'.repeat(32),
      ...env,
    });
    // A gateway that starts anyway is stopped: the test then fails on the exit code.
    const timer = setTimeout(() => void run.stop('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((resolve) => run.child.once('exit', resolve));
    clearTimeout(timer);
    return { code, out: run.output() };
  }

  for (const [variable, key] of [
    ['ASSURANCE_FILE', 'assurance.file'],
    ['WEBAUTHN_AAGUIDS_FILE', 'webauthn.aaguidsFile'],
  ] as const) {
    it(`${variable}: a missing file is one configuration line, exit code 2, no stack trace`, async () => {
      const missing = join(dir, 'absent.json');
      const { code, out } = await exit({ [variable]: missing });
      assert.equal(code, 2, out);
      const line = new RegExp(
        `^config: ${key.replace('.', '\\.')} \\(${variable}\\) = ".*absent\\.json" — expected a readable JSON file \\(ENOENT: no such file or directory, open '.*absent\\.json'\\)$`,
        'm',
      );
      assert.match(out, line);
      assert.doesNotMatch(out, /\bat .+:\d+:\d+\)?$/m, 'no stack trace');
    });
  }
});
