/**
 * The application logger gathers lines into larger writes: a lone line still comes out while
 * the process lives on with nothing more to log (the periodic flush), and lines still pending
 * when the process exits are written before it ends.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const LOGGER = fileURLToPath(new URL('./logger.ts', import.meta.url));

/** Runs `body` in a child node with `logger` created; resolves with its stdout once `until` holds or it exits. */
function child(body: string, until: (out: string) => boolean): Promise<{ out: string; exited: boolean }> {
  const script = `import { createLogger } from ${JSON.stringify(LOGGER)}; const logger = createLogger('info', 'logger-test'); ${body}`;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    proc.on('error', reject);
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (until(out) && proc.exitCode === null) {
        proc.kill('SIGKILL');
        resolve({ out, exited: false });
      }
    });
    proc.on('exit', () => resolve({ out, exited: true }));
  });
}

describe('application logger', () => {
  it('writes a lone line while the process lives on with nothing more to log', { timeout: 30_000 }, async () => {
    const { out, exited } = await child(`logger.info({ n: 1 }, 'lone line'); setInterval(() => {}, 1000);`, (o) => o.includes('lone line'));
    assert.equal(exited, false, 'the line came out before the process ended');
    assert.equal(JSON.parse(out.trim().split('\n')[0]!).msg, 'lone line');
  });

  it('writes every pending line when the process exits', async () => {
    const { out, exited } = await child(`for (let n = 0; n < 3; n++) logger.info({ n }, 'line'); process.exit(0);`, () => false);
    assert.equal(exited, true);
    assert.deepEqual(
      out
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { n: number }).n),
      [0, 1, 2],
    );
  });
});
