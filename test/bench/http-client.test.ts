/**
 * bench/load/http-client.ts, the journeys' client. A request that fails at the connection says
 * which server and request it was (the journeys count errors by message: "read ECONNRESET" alone
 * did not say whether the gateway or the PSC simulator had reset the connection). And, as a
 * browser does, a GET sent on a kept-alive connection that the server closed at that instant is
 * sent again once, on a new connection: a scaling run lost a first sign-in to the PSC simulator
 * closing an idle connection (Node's 5 s) as the journey reused it. A POST is not sent again.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { BROWSER_USER_AGENT, VirtualBrowser } from '../../bench/load/http-client.ts';
import { freePort } from '../support/ports.ts';

describe('the journeys’ HTTP client', () => {
  /** Requests seen, by connection: each connection answers its first request and resets on the second. */
  const seen: string[][] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const requests: string[] = [];
    seen.push(requests);
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.slice(end + 4 + length);
        requests.push(head.split(' ').slice(0, 2).join(' '));
        if (requests.length > 1) {
          socket.resetAndDestroy();
          return;
        }
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok');
      }
    });
    socket.on('error', () => {});
  });
  let base: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('a GET on a kept-alive connection the server resets is sent again once, on a new connection', async () => {
    seen.length = 0;
    const browser = new VirtualBrowser(new http.Agent({ keepAlive: true, maxSockets: 1 }));
    assert.equal((await browser.request(`${base}/first`)).status, 200);
    const again = await browser.request(`${base}/second`);
    assert.equal(again.status, 200);
    assert.equal(again.body, 'ok');
    assert.deepEqual(seen, [['GET /first', 'GET /second'], ['GET /second']], 'reset on the reused connection, answered on a new one');
  });

  test('a POST is not sent again: the error names the request and the server', async () => {
    seen.length = 0;
    const browser = new VirtualBrowser(new http.Agent({ keepAlive: true, maxSockets: 1 }));
    await browser.request(`${base}/first`);
    await assert.rejects(browser.request(`${base}/interaction/abcdefghijklmnopqrstuvwxyz/webauthn/verify`, { form: { a: '1' } }), (error: Error) => {
      const host = new URL(base).host.replace(/\./g, '\\.');
      assert.match(error.message, new RegExp(`^POST ${host}/interaction/:id/webauthn/verify: (read ECONNRESET|socket hang up)`));
      return true;
    });
    assert.deepEqual(seen, [['GET /first', 'POST /interaction/abcdefghijklmnopqrstuvwxyz/webauthn/verify']], 'sent once');
  });

  test('a refused connection names the request and the server', async () => {
    const port = await freePort();
    const browser = new VirtualBrowser(new http.Agent({ keepAlive: false }));
    await assert.rejects(browser.request(`http://127.0.0.1:${port}/auth`), (error: Error) => {
      assert.match(error.message, new RegExp(`^GET 127\\.0\\.0\\.1:${port}/auth: connect ECONNREFUSED`));
      assert.equal((error.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
      return true;
    });
  });
});

describe('the journeys’ browser headers', () => {
  test("every request carries a browser's User-Agent, as the session's browser digest needs it to weigh what it does in production", async () => {
    const agents: Array<string | undefined> = [];
    const server = http.createServer((req, res) => {
      agents.push(req.headers['user-agent']);
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const browser = new VirtualBrowser(new http.Agent({ keepAlive: false }));
      await browser.request(`${base}/page`);
      await browser.request(`${base}/api`, { json: { a: 1 } });
      assert.deepEqual(agents, [BROWSER_USER_AGENT, BROWSER_USER_AGENT]);
      assert.match(BROWSER_USER_AGENT, /^Mozilla\/5\.0 \(/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
