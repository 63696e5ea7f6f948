/**
 * /metrics behind a trusted reverse proxy (TRUST_PROXY): the allow-list (METRICS_ALLOW) admits the
 * scraper that connects itself, never a request the proxy relays, whatever client address the
 * proxy forwards (docker/compose.yml: through Caddy, a client on the docker host arrives as the
 * bridge's gateway address, inside the internal network's range). The token still works through
 * the proxy. The forwarded address stays the client's address for everything else (audit, limits).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';

const TOKEN = 't'.repeat(40);
let stack: Stack;
// The test's own connections come from loopback: here loopback is the trusted proxy, and the
// allow-list holds both loopback (a scraper beside it) and the range the forwarded clients are in.
beforeAll(async () => {
  stack = await startStack({
    name: 'metrics-proxy',
    overrides: { 'http.trustProxy': 'loopback', 'metrics.token': TOKEN, 'metrics.allow': ['127.0.0.0/8', '::1/128', '172.28.0.0/24'] },
  });
});
afterAll(async () => {
  await stack.close();
});

const metrics = (headers: Record<string, string> = {}) => fetch(`${stack.issuer}/metrics`, { headers });

describe('/metrics behind a trusted proxy', () => {
  it('refuses a relayed request from an allowed client address without the token', async () => {
    for (const forwarded of ['172.28.0.1', '127.0.0.1', '172.28.0.1, 127.0.0.1']) {
      const response = await metrics({ 'x-forwarded-for': forwarded, 'x-forwarded-proto': 'https' });
      assert.equal(response.status, 403, `X-Forwarded-For: ${forwarded}`);
      assert.doesNotMatch(await response.text(), /hc_/);
    }
    const standard = await metrics({ forwarded: 'for=172.28.0.1;proto=https' });
    assert.equal(standard.status, 403, 'Forwarded (RFC 7239) is a relayed request too');
  });

  it('answers a relayed request with the token, and the scraper that connects itself', async () => {
    assert.equal((await metrics({ 'x-forwarded-for': '203.0.113.9', authorization: `Bearer ${TOKEN}` })).status, 200);
    const direct = await metrics();
    assert.equal(direct.status, 200, 'a scraper on an allowed address, not through the proxy');
    assert.match(await direct.text(), /hc_http_requests_total/);
  });
});
