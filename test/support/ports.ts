/**
 * A free TCP port on localhost, for a server that must know its port before it listens (a
 * gateway's issuer names it).
 *
 * The port is checked (bind, read, release) and then handed over, so another socket may take it
 * in between. Two takers are ruled out by where the port comes from:
 * - outgoing connections: the kernel gives them ports of the ephemeral range
 *   (net.ipv4.ip_local_port_range, 32768–60999 by default), and so did `listen(0)`, which is how
 *   a Redis connection of one test file once took the port another file had just checked
 *   (EADDRINUSE in CI); the ports here lie below that range;
 * - the other test workers: each vitest worker (VITEST_POOL_ID) draws from its own slice, and a
 *   process never hands out the same port twice.
 */
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';

const LOWEST = 12_000;
const SLICE = 1_000;
const handedOut = new Set<number>();
let next = -1;

export async function freePort(): Promise<number> {
  const { first, size } = slice();
  if (next < 0) next = Math.floor(Math.random() * size);
  for (let tried = 0; tried < size; tried++) {
    const port = first + (next++ % size);
    if (handedOut.has(port)) continue;
    if ((await bindable(port, '127.0.0.1')) && (await bindable(port, 'localhost'))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`freePort: no free port in ${first}–${first + size - 1} (this worker's slice below the ephemeral range)`);
}

/** This process's ports: a slice of [LOWEST, lowest ephemeral port), chosen by its vitest worker id. */
function slice(): { first: number; size: number } {
  const slices = Math.max(1, Math.floor((ephemeralLow() - LOWEST) / SLICE));
  const worker = Number(process.env.VITEST_POOL_ID ?? process.pid);
  return { first: LOWEST + (worker % slices) * SLICE, size: SLICE };
}

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > LOWEST + SLICE ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
