import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type Provider from 'oidc-provider';
import type { ErrorOut, KoaContextWithOIDC } from 'oidc-provider';
import { providerEdges, spendConsumedAsAnswered } from './edges.ts';
import { asOneRequest } from '../store/request-scope.ts';
import { boughtTokensBatch, spendWhenAnswered } from '../store/token-consumption.ts';
import type { StoreBatch } from '../store/store.ts';
import { OUTAGE_RETRY_AFTER_SECONDS, StoreUnavailableError } from '../store/unavailable.ts';
import type { AbuseLimits } from '../limits/index.ts';

type Middleware = (ctx: unknown, next: () => Promise<void>) => Promise<void>;

/** The edges' middleware, as oidc-provider would run it; pages rendered as `page:<error>`. */
function edgesMiddleware(): Middleware {
  let middleware: Middleware | undefined;
  const renderError = async (ctx: KoaContextWithOIDC, out: ErrorOut) => {
    ctx.type = 'html';
    ctx.body = `page:${out.error}`;
  };
  providerEdges(
    {
      use: (fn: Middleware) => {
        middleware = fn;
      },
    } as unknown as Provider,
    {} as AbuseLimits,
    renderError,
  );
  return middleware!;
}

/** A Koa context answering a GET with a redirect already decided; `accepts` says what the client takes. */
function koaContext(accepts: 'html' | 'json' = 'html') {
  const headers: Record<string, string> = { location: 'https://rp.example/cb?code=c1' };
  const emitted: Array<[string, unknown]> = [];
  const ctx = {
    oidc: { provider: { emit: (event: string, _ctx: unknown, err: unknown) => emitted.push([event, err]) } },
    req: { headers: {}, protocol: 'http', host: 'localhost' },
    request: {},
    method: 'GET',
    path: '/auth/x',
    status: 303,
    body: 'Redirecting',
    type: 'text',
    set: (name: string, value: string) => {
      headers[name] = value;
    },
    remove: (name: string) => {
      delete headers[name];
    },
    accepts: () => accepts,
  };
  return { headers, ctx, emitted };
}

const outage = () => new StoreUnavailableError(new Error('connect ECONNREFUSED 127.0.0.1:6379'));

describe('provider edges during an outage', () => {
  it('an outage met after the handler decided a redirect (a session saved after next()): the outage page, Retry-After, no redirect', async () => {
    const { ctx, headers } = koaContext('html');
    await edgesMiddleware()(ctx, async () => {
      throw outage();
    });
    assert.equal(ctx.status, 503);
    assert.equal(ctx.body, 'page:temporarily_unavailable', 'the page of oidc/pages.ts, not a bare text');
    assert.equal(headers['retry-after'], String(OUTAGE_RETRY_AFTER_SECONDS));
    assert.equal(headers.location, undefined, 'the decided redirect is not sent');
  });

  it('the same for a client that does not take HTML: the OAuth error as JSON', async () => {
    const { ctx, headers } = koaContext('json');
    await edgesMiddleware()(ctx, async () => {
      throw new Error('Connection is closed.');
    });
    assert.equal(ctx.status, 503);
    assert.deepEqual(ctx.body, { error: 'temporarily_unavailable', error_description: 'the service is temporarily unavailable, try again in a moment' });
    assert.equal(headers['retry-after'], String(OUTAGE_RETRY_AFTER_SECONDS));
  });

  it("another error met after the handler (a write Redis refuses): the provider's server_error, as a page or JSON, logged through its event; no redirect, no Retry-After", async () => {
    for (const accepts of ['html', 'json'] as const) {
      const { ctx, headers, emitted } = koaContext(accepts);
      const refused = new Error("NOPERM this user has no permissions to run the 'hset' command");
      await edgesMiddleware()(ctx, async () => {
        throw refused;
      });
      assert.equal(ctx.status, 500, accepts);
      assert.deepEqual(
        ctx.body,
        accepts === 'html' ? 'page:server_error' : { error: 'server_error', error_description: 'oops! something went wrong' },
        'nothing of the error itself',
      );
      assert.equal(headers.location, undefined, 'the decided redirect is not sent');
      assert.equal(headers['retry-after'], undefined, 'not an outage');
      assert.deepEqual(emitted, [['server_error', refused]], 'logged as the provider logs its own');
    }
  });

  it('a 503 the provider rendered itself gets Retry-After', async () => {
    const rendered = koaContext();
    await edgesMiddleware()(rendered.ctx, async () => {
      rendered.ctx.status = 503;
    });
    assert.equal(rendered.headers['retry-after'], String(OUTAGE_RETRY_AFTER_SECONDS));
  });
});

describe('what a token request consumed, spent as it answers', () => {
  it('spent when the handler answers below 500; left pending when it answers 5xx or throws', async () => {
    const cases: Array<[number | 'throws', boolean]> = [
      [200, true],
      [400, true],
      [500, false],
      [503, false],
      ['throws', false],
    ];
    for (const [answer, spentExpected] of cases) {
      let spent = false;
      await asOneRequest(async () => {
        const { ctx } = koaContext('json');
        await spendConsumedAsAnswered()(ctx as unknown as KoaContextWithOIDC, async () => {
          spendWhenAnswered(async () => {
            spent = true;
          });
          if (answer === 'throws') throw new Error('the handler failed');
          ctx.status = answer;
        }).catch(() => undefined);
      });
      assert.equal(spent, spentExpected, `answer ${answer}`);
    }
  });

  it('the tokens the consumption bought are saved together, with the spend as their condition, when it answers below 500; not saved at all when it answers 5xx or throws', async () => {
    const cases: Array<[number | 'throws', boolean]> = [
      [200, true],
      [400, true],
      [500, false],
      ['throws', false],
    ];
    for (const [answer, savedExpected] of cases) {
      const events: string[] = [];
      const batch = { exec: async () => void events.push('tokens saved') } as unknown as StoreBatch;
      let batchesMade = 0;
      await asOneRequest(async () => {
        const { ctx } = koaContext('json');
        await spendConsumedAsAnswered()(ctx as unknown as KoaContextWithOIDC, async () => {
          assert.equal(
            boughtTokensBatch('AccessToken', () => batch),
            undefined,
            'nothing consumed yet: saved at once',
          );
          spendWhenAnswered(async (bought) => {
            assert.equal(bought, batch, 'the spend is given the batch of what it bought');
            events.push('spent with them');
            await bought!.exec();
          });
          for (const model of ['AccessToken', 'RefreshToken']) {
            const held = boughtTokensBatch(model, () => (batchesMade++, batch));
            assert.equal(held?.batch, batch, `${model}: held`);
            held!.whenSaved(() => events.push(`${model} known`));
          }
          assert.equal(
            boughtTokensBatch('Session', () => batch),
            undefined,
            'a session: saved at once',
          );
          if (answer === 'throws') throw new Error('the handler failed');
          ctx.status = answer;
        }).catch(() => undefined);
        assert.equal(
          boughtTokensBatch('AccessToken', () => batch),
          undefined,
          'once answered, nothing is held any more',
        );
      });
      assert.equal(batchesMade, 1, 'one batch for both');
      assert.deepEqual(events, savedExpected ? ['spent with them', 'tokens saved', 'AccessToken known', 'RefreshToken known'] : [], `answer ${answer}`);
    }
    await asOneRequest(async () => {
      spendWhenAnswered(async () => undefined);
      assert.equal(
        boughtTokensBatch('AccessToken', () => ({}) as StoreBatch),
        undefined,
        'outside the edges: saved at once',
      );
    });
  });

  it('a spend the store cannot make reaches the edges: the outage answer instead of the tokens', async () => {
    const { ctx, headers } = koaContext('json');
    await asOneRequest(() =>
      edgesMiddleware()(ctx, () =>
        spendConsumedAsAnswered()(ctx as unknown as KoaContextWithOIDC, async () => {
          spendWhenAnswered(async () => {
            throw outage();
          });
          ctx.status = 200;
          ctx.body = JSON.stringify({ access_token: 'never handed out' });
        }),
      ),
    );
    assert.equal(ctx.status, 503);
    assert.deepEqual(ctx.body, { error: 'temporarily_unavailable', error_description: 'the service is temporarily unavailable, try again in a moment' });
    assert.equal(headers['retry-after'], String(OUTAGE_RETRY_AFTER_SECONDS));
  });
});
