/**
 * bench/load/paced.ts, the evenly paced load of (a½): requests arrive one every 1/rate seconds
 * (autocannon's fixed rate sends each second's quota back to back), each one prepared by
 * setupRequest and its answer handed to onResponse, and a stall on the server's side counts in
 * the latencies of every request that was due meanwhile.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { pacedLoad } from '../../bench/load/paced.ts';

describe('paced load', () => {
  const arrivals: Array<{ at: number; body: string }> = [];
  let stallUntil = 0;
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        arrivals.push({ at: performance.now(), body });
        const answer = () => res.writeHead(body.endsWith('7') ? 400 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ echo: body }));
        const wait = stallUntil - performance.now();
        if (wait > 0) setTimeout(answer, wait);
        else answer();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('one request every 1/rate seconds, each set up in turn, its answer handed on', async () => {
    arrivals.length = 0;
    let n = 0;
    const answers: Array<[number, string]> = [];
    const result = await pacedLoad(
      {
        method: 'POST',
        path: '/token',
        headers: { 'content-type': 'text/plain' },
        setupRequest: (req) => ({ ...req, body: `request ${(n += 1)}` }),
        onResponse: (status, body) => answers.push([status, body]),
      },
      { url, rate: 200, seconds: 1, connections: 8 },
    );
    assert.equal(result.completed, 200);
    assert.equal(result.failed, 0);
    assert.deepEqual(result.statuses, { 200: 180, 400: 20 });
    // Each set up once (over several connections, two may swap places on arrival).
    assert.deepEqual(arrivals.map((a) => a.body).sort(), Array.from({ length: 200 }, (_, i) => `request ${i + 1}`).sort());
    assert.deepEqual(answers[0], [200, JSON.stringify({ echo: 'request 1' })]);
    // Evenly spread: no 50 ms holds much more than its share (10; a busy machine delays some and
    // they catch up), where autocannon's fixed rate would send the whole second's 200 within a few ms.
    const most = Math.max(...arrivals.map((a) => arrivals.filter((b) => b.at >= a.at && b.at < a.at + 50).length));
    assert.ok(most <= 40, `at most ${most} requests arrived within 50 ms`);
    const span = arrivals.at(-1)!.at - arrivals[0]!.at;
    assert.ok(span > 900 && span < 1200, `spread over ${Math.round(span)} ms`);
  });

  test('a stall on the server counts for every request due meanwhile (latency from when it was due)', async () => {
    stallUntil = performance.now() + 300;
    const result = await pacedLoad({ method: 'GET', path: '/me' }, { url, rate: 100, seconds: 0.5, connections: 4 });
    assert.equal(result.completed, 50);
    assert.ok(result.latencyMs.max >= 250, `the first requests waited out the stall: max ${result.latencyMs.max} ms`);
    assert.ok(result.latencyMs.p50 >= 50, `and so did those due during it, behind them: p50 ${result.latencyMs.p50} ms`);
  });

  test('a rate or a duration of 0 is refused', async () => {
    await assert.rejects(pacedLoad({ method: 'GET', path: '/' }, { url, rate: 0, seconds: 1, connections: 1 }), /expected a rate and seconds above 0/);
  });
});
