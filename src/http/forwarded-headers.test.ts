import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import express from 'express';
import { forwardedHeaders } from './forwarded-headers.ts';

const FORWARDING = {
  'x-forwarded-for': '10.20.30.40',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-proto': 'https',
  'x-forwarded-port': '443',
  'x-forwarded-prefix': '/evil',
  forwarded: 'for=10.20.30.40;host=evil.example;proto=https',
  'x-real-ip': '10.20.30.40',
};

/** What the handlers after the middleware see of a request sent from 127.0.0.1 with the forwarding headers, under this `trust proxy`. */
async function seenWith(trustProxy: unknown) {
  const app = express();
  app.set('trust proxy', trustProxy);
  app.use(forwardedHeaders());
  app.get('/', (req, res) => {
    const kept = Object.keys(FORWARDING).filter((name) => req.headers[name] !== undefined);
    res.json({ kept, ip: req.ip, protocol: req.protocol, host: req.host, other: req.headers['x-request-id'] });
  });
  const server = createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { ...FORWARDING, 'x-request-id': 'request-0001' } });
    return { port, seen: (await response.json()) as { kept: string[]; ip: string; protocol: string; host: string; other: string } };
  } finally {
    server.close();
  }
}

describe('forwardedHeaders', () => {
  it('drops every forwarding header of a peer that is not the trusted proxy, and nothing else', async () => {
    for (const trustProxy of ['10.9.9.9', '10.0.0.0/8, 192.168.1.1', false]) {
      const { port, seen } = await seenWith(trustProxy);
      assert.deepEqual(seen.kept, [], String(trustProxy));
      assert.equal(seen.ip, '127.0.0.1');
      assert.equal(seen.protocol, 'http');
      assert.equal(seen.host, `127.0.0.1:${port}`);
      assert.equal(seen.other, 'request-0001', 'other headers pass');
    }
  });

  it('leaves them to the trusted proxy (its address, loopback, a hop count or true)', async () => {
    for (const trustProxy of ['127.0.0.1', 'loopback', 1, true]) {
      const { seen } = await seenWith(trustProxy);
      assert.deepEqual(seen.kept, Object.keys(FORWARDING), String(trustProxy));
      assert.equal(seen.ip, '10.20.30.40');
      assert.equal(seen.protocol, 'https');
      assert.equal(seen.host, 'evil.example', 'the proxy is trusted to say which host the client asked for');
    }
  });
});
