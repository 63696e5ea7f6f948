import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type Provider from 'oidc-provider';
import { providerEdges } from './edges.ts';
import { OUTAGE_RETRY_AFTER_SECONDS, StoreUnavailableError } from '../store/unavailable.ts';
import type { AbuseLimits } from '../limits/index.ts';

type Middleware = (ctx: unknown, next: () => Promise<void>) => Promise<void>;

/** The edges' middleware, as oidc-provider would run it. */
function edgesMiddleware(): Middleware {
  let middleware: Middleware | undefined;
  providerEdges({ use: (fn: Middleware) => { middleware = fn; } } as unknown as Provider, {} as AbuseLimits);
  return middleware!;
}

function koaContext() {
  const headers: Record<string, string> = {};
  return { headers, ctx: { req: { headers: {}, protocol: 'http', host: 'localhost' }, request: {}, method: 'GET', path: '/auth/x', status: 200, set: (name: string, value: string) => { headers[name] = value; } } };
}

describe('provider edges during an outage', () => {
  it('an outage met after the handler (a write after next()) escapes with Retry-After for Koa to send', async () => {
    const { ctx } = koaContext();
    const err = await edgesMiddleware()(ctx, async () => { throw new StoreUnavailableError(new Error('connect ECONNREFUSED 127.0.0.1:6379')); }).catch((e: unknown) => e);
    assert.ok(err instanceof StoreUnavailableError, 'passed on as it is');
    assert.deepEqual((err as { headers?: Record<string, string> }).headers, { 'retry-after': String(OUTAGE_RETRY_AFTER_SECONDS) });
  });

  it('other errors pass unchanged; a 503 the provider rendered itself gets Retry-After', async () => {
    const { ctx } = koaContext();
    const bug = new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.equal(await edgesMiddleware()(ctx, async () => { throw bug; }).catch((e: unknown) => e), bug);
    assert.equal((bug as { headers?: unknown }).headers, undefined);
    const rendered = koaContext();
    await edgesMiddleware()(rendered.ctx, async () => { rendered.ctx.status = 503; });
    assert.equal(rendered.headers['retry-after'], String(OUTAGE_RETRY_AFTER_SECONDS));
  });
});
