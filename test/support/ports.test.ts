/** freePort: ports below the kernel's ephemeral range, never the same twice, and never one in use. */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { readFileSync } from 'node:fs';
import { freePort } from './ports.ts';

const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

describe('freePort', () => {
  it('hands out distinct ports below the ephemeral range, which outgoing connections never take', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    assert.equal(new Set(ports).size, ports.length, `distinct: ${ports.join(' ')}`);
    for (const port of ports) assert.ok(port < ephemeralLow, `${port} lies below ${ephemeralLow}`);
  });

  it('skips a port that another socket holds', async () => {
    const held: Server[] = [];
    try {
      // Hold the next ports this worker would try: freePort must answer with one beyond them.
      const probe = await freePort();
      for (let port = probe + 1; port < probe + 4; port++) {
        const server = createServer();
        await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
        held.push(server);
      }
      const port = await freePort();
      assert.ok(port > probe + 3 || port < probe, `${port} is none of the held ${probe + 1}–${probe + 3}`);
    } finally {
      await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
    }
  });
});
