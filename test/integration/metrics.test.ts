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
});
