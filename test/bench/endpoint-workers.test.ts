/**
 * bench/load/endpoint-workers.ts, scenarios (a)–(d) over several load processes: refresh tokens
 * rotate, so the chains a run leaves are what the next run must send. (a½) follows (a) with the
 * same pool; with several load processes (`--load-workers`, every scaling step of 4 processes
 * or more) the workers' pools lived in the workers, and (a½) sent the tokens (a) had already
 * spent: every request refused (the gateway takes a spent token for a stolen one and revokes
 * its grant). Against a server that rotates as the gateway does: each token answers once.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { runEndpointSpread } from '../../bench/load/endpoint-workers.ts';
import type { EndpointTarget } from '../../bench/load/endpoints.ts';

describe('refresh chains across load processes', () => {
  const live = new Set<string>();
  let spentSent = 0;
  let server: http.Server;
  let url: string;
  const token = () => randomBytes(12).toString('base64url');

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const sent = new URLSearchParams(body).get('refresh_token') ?? '';
        res.setHeader('content-type', 'application/json');
        if (!live.delete(sent)) {
          spentSent += 1;
          res.writeHead(400).end(JSON.stringify({ error: 'invalid_grant' }));
          return;
        }
        const next = token();
        live.add(next);
        res.writeHead(200).end(JSON.stringify({ access_token: token(), refresh_token: next }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('a run over two load processes hands its chains back: the next run (paced, as a½) sends live tokens only', async () => {
    const pool = Array.from({ length: 16 }, token);
    pool.forEach((t) => live.add(t));
    const target: EndpointTarget = { url, clientId: 'dpi', m2mClientId: 'm2m', secret: 's', refreshTokens: pool, accessTokens: ['at'] };

    const first = await runEndpointSpread('refresh', target, { connections: 8, seconds: 1 }, 2);
    assert.equal(first.errors, 0, `first run: ${first.errorSamples.join('; ')}`);
    assert.ok(first.requests > 16, `every token of the pool was rotated at least once (${first.requests} requests)`);
    // The pool now holds the ends of the chains; a chain whose last answer came after the run stopped is lost.
    assert.ok(target.refreshTokens.length > 0 && target.refreshTokens.length <= 16, `${target.refreshTokens.length} chains handed back`);
    assert.deepEqual(
      target.refreshTokens.filter((t) => !live.has(t)),
      [],
      'every token handed back is one the server still answers',
    );

    const paced = await runEndpointSpread('refresh', target, { connections: 8, seconds: 1, overallRate: 40 }, 2);
    assert.equal(paced.errors, 0, `paced run: ${paced.errorSamples.join('; ')}`);
    assert.equal(spentSent, 0, 'no spent token was sent');
    assert.ok(paced.perSecond > 20, `${paced.perSecond}/s answered`);
  });
});
