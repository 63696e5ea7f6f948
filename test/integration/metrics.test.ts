/**
 * /metrics for Prometheus: refused without the bearer token from outside the allow-list,
 * counts the audit events and HTTP requests by route pattern (no ids in labels).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, signIn } from '../support/psc-login.ts';

const TOKEN = 'm'.repeat(40);
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'metrics', overrides: { 'metrics.token': TOKEN, 'metrics.allow': ['10.99.0.0/16'] } });
});
afterAll(async () => {
  await stack.close();
});

describe('/metrics', () => {
  it('is refused without the token from an address outside the allow-list', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
      const response = await fetch(`${stack.issuer}/metrics`, { headers: authorization ? { authorization } : {} });
      assert.equal(response.status, 403, String(authorization));
      assert.doesNotMatch(await response.text(), /hc_/);
    }
  });

  it('counts audit events and requests by route pattern', async () => {
    await exchange(await signIn(stack, new TestBrowser(), { choice: { means: 'card' } }));
    const response = await fetch(`${stack.issuer}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /hc_audit_events_total\{type="signin\.succeeded",outcome="success"\} [1-9]/);
    assert.match(text, /hc_signins_total\{method="psc-card",acr="eidas3"\} [1-9]/);
    assert.match(text, /hc_http_requests_total\{method="GET",route="\/interaction\/:uid",status="200"\} [1-9]/);
    assert.match(text, /hc_process_cpu_user_seconds_total/);
    assert.doesNotMatch(text, /route="\/interaction\/[A-Za-z0-9_-]{20,}/, 'no interaction id in labels');
  });

  it('labels requests with the routes that exist only: unknown paths, case and slash variants, ids in paths make no series of their own', async () => {
    const probe = (i: number) => `probe${i}x${Math.random().toString(36).slice(2, 10)}`;
    const id = 'k'.repeat(32);
    const requests: Array<[string, string]> = [
      ...Array.from({ length: 20 }, (_, i): [string, string] => ['GET', `/${probe(i)}`]),
      ...Array.from({ length: 5 }, (_, i): [string, string] => ['POST', `/${probe(i)}`]),
      ...Array.from({ length: 5 }, (_, i): [string, string] => ['GET', `/token/${probe(i)}`]),
      ...Array.from({ length: 5 }, (_, i): [string, string] => ['GET', `/${probe(i)}?${'a=1&'.repeat(100)}`]),
      ['GET', '/HEALTHZ'],
      ['GET', '/healthz/'],
      ['GET', '/Account'],
      ['GET', '/.WELL-KNOWN/openid-configuration'],
      ['GET', '/.well-known/openid-configuration/'],
      ['GET', '/token/INTROSPECTION'],
      ['GET', `/account/keys/${id}/raise/options`],
      ['POST', `/account/keys/${id}/raise/options`],
    ];
    for (const [method, path] of requests) {
      const response = await fetch(`${stack.issuer}${path}`, { method, redirect: 'manual' });
      await response.arrayBuffer();
      assert.ok(response.status < 500, `${method} ${path}: ${response.status}`);
    }
    const text = await (await fetch(`${stack.issuer}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    const routes = new Set([...text.matchAll(/^hc_http_requests_total\{[^}]*route="([^"]*)"/gm)].map((m) => m[1]!));
    assert.ok(routes.has('/other'), `unknown paths are counted as /other: ${[...routes].join(' ')}`);
    for (const known of ['/healthz', '/account', '/.well-known/openid-configuration', '/token/introspection'])
      assert.ok(routes.has(known), `a route that exists keeps its label, whatever the case and slash asked: ${known} in ${[...routes].join(' ')}`);
    for (const route of routes) {
      assert.doesNotMatch(route, /probe|kkkk/, 'no label of a path that exists nowhere, no id');
      assert.doesNotMatch(route, /[A-Z]/, 'no case variant of a route');
      assert.ok(route === '/' || !route.endsWith('/'), `no trailing-slash variant: ${route}`);
    }
  });
});
