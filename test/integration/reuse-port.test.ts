/**
 * HTTP_REUSE_PORT: several gateway processes of one host listen on the same port
 * (SO_REUSEPORT, Linux), the kernel spreading connections; without it, a second process on
 * the port fails to start.
 */
import { afterAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Gateway } from '../../src/gateway.ts';
import { startMinimalGateway } from '../support/minimal-gateway.ts';
import { freePort } from '../support/ports.ts';

const keysDir = mkdtempSync(join(tmpdir(), 'hc-reuse-'));
const started: Gateway[] = [];

async function gatewayOn(port: number, reusePort: boolean): Promise<Gateway> {
  const clients = [{ client_id: 'rp', client_name: 'RP', redirect_uris: ['http://127.0.0.1:9/cb'], client_secret: 'x'.repeat(32), response_types: ['code'] }];
  const gateway = await startMinimalGateway({ port, keysDir, env: { HTTP_REUSE_PORT: String(reusePort) }, clients });
  started.push(gateway);
  return gateway;
}

describe('several gateway processes on one port (HTTP_REUSE_PORT)', () => {
  afterAll(async () => {
    for (const g of started) await g.close({ drainMs: 100 });
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('lets a second instance listen on the port; the port still answers when the first stops', async () => {
    const port = await freePort();
    const first = await gatewayOn(port, true);
    await gatewayOn(port, true);
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    await first.close({ drainMs: 100 });
    started.splice(started.indexOf(first), 1);
    for (let i = 0; i < 5; i += 1) {
      const answer = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { connection: 'close' } });
      assert.equal(answer.status, 200, 'the second instance answers on the same port');
    }
  });

  it('without it, a second instance on a port in use fails to start', async () => {
    const port = await freePort();
    await gatewayOn(port, false);
    await assert.rejects(gatewayOn(port, false), /EADDRINUSE/);
  });
});
