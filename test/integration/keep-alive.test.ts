/**
 * How long the gateway keeps an idle keep-alive connection (HTTP_KEEP_ALIVE_SECONDS, 65 s by
 * default). The side that sends the next request must be the one that closes an idle
 * connection first: a proxy (Caddy keeps idle upstream connections 2 minutes unless told
 * otherwise; docker/Caddyfile tells it 55 s) that sends a request on a connection the gateway is
 * closing at that instant gets a reset, and answers 502 to a POST it cannot retry. Node's own
 * default, 5 s, made the gateway the first to close; a scaling run of the bench, its journeys
 * waiting seconds between requests on a saturated machine, got "socket hang up" from it.
 */
import { afterAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, formatProblem, loadConfig } from '../../src/config/index.ts';
import type { Gateway } from '../../src/gateway.ts';
import { startMinimalGateway } from '../support/minimal-gateway.ts';
import { freePort } from '../support/ports.ts';

const keysDir = mkdtempSync(join(tmpdir(), 'hc-keep-alive-'));
const started: Gateway[] = [];

async function gatewayWith(env: Record<string, string>): Promise<number> {
  const port = await freePort();
  started.push(await startMinimalGateway({ port, keysDir, env }));
  return port;
}

/** A raw connection: what it receives, and when the gateway closed it (ms after the first answer was complete). */
interface Connection {
  socket: Socket;
  /** Sends a keep-alive GET /healthz and resolves with the answer's head once its body is in. */
  ask(): Promise<string>;
  closedAfterMs(): number | undefined;
}

async function open(port: number): Promise<Connection> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let received = '';
  let answeredAt = 0;
  let closedAt: number | undefined;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('close', () => (closedAt = performance.now()));
  socket.on('error', () => {});
  return {
    socket,
    async ask() {
      received = '';
      socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`);
      for (let waited = 0; waited < 5000; waited += 10) {
        const head = received.split('\r\n\r\n')[0]!;
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? NaN);
        if (received.includes('\r\n\r\n') && Buffer.byteLength(received.slice(head.length + 4), 'latin1') >= length) {
          answeredAt = performance.now();
          return head;
        }
        if (closedAt !== undefined) throw new Error(`the connection was closed before the answer was complete: ${JSON.stringify(received)}`);
        await sleep(10);
      }
      throw new Error('no complete answer within 5 s');
    },
    closedAfterMs: () => (closedAt === undefined ? undefined : closedAt - answeredAt),
  };
}

describe('idle keep-alive connections (HTTP_KEEP_ALIVE_SECONDS)', () => {
  afterAll(async () => {
    for (const g of started) await g.close({ drainMs: 100 });
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('are kept 65 s by default, and say so: still open after 6 s idle (Node alone closes them at 5 s), and answered on', async () => {
    const connection = await open(await gatewayWith({}));
    const head = await connection.ask();
    assert.match(head, /^HTTP\/1\.1 200/);
    assert.match(head, /\r\nkeep-alive: timeout=65(\r\n|$)/i, 'the answer tells the client how long the connection is kept');
    await sleep(6000);
    assert.equal(connection.closedAfterMs(), undefined, 'still open after 6 s without a request');
    assert.match(await connection.ask(), /^HTTP\/1\.1 200/, 'the next request on it is answered');
    connection.socket.destroy();
  }, 15_000);

  it('are closed once the configured time has passed without a request', async () => {
    const connection = await open(await gatewayWith({ HTTP_KEEP_ALIVE_SECONDS: '1' }));
    assert.match(await connection.ask(), /\r\nkeep-alive: timeout=1(\r\n|$)/i);
    await sleep(3000);
    const closedAfter = connection.closedAfterMs();
    assert.ok(closedAfter !== undefined && closedAfter >= 900 && closedAfter < 2900, `closed ${closedAfter} ms after the answer`);
  }, 10_000);

  it('refuses a value that is not a whole number of seconds from 1 to 600, naming the variable', () => {
    for (const value of ['0', '601', '1.5', 'soon']) {
      try {
        loadConfig({ env: { HTTP_KEEP_ALIVE_SECONDS: value } });
        assert.fail(`${value} was accepted`);
      } catch (error) {
        assert.ok(error instanceof ConfigError, `${value}: ${String(error)}`);
        assert.match(error.problems.map(formatProblem).join('\n'), /http\.keepAliveSeconds \(HTTP_KEEP_ALIVE_SECONDS\) = .* — expected/);
      }
    }
  });
});
