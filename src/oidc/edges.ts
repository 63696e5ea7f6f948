/**
 * What the gateway adds around oidc-provider's own endpoints (one Koa middleware in front of
 * its router): the client address, scheme and host as express computed them (the `trust proxy`
 * setting, so that audit events and limits see the same address everywhere and a forged
 * X-Forwarded-For, -Proto or -Host from an untrusted peer is ignored), Retry-After on a
 * 503 (store outage) and the provider's own answer when an outage or another error is met after
 * the provider answered;
 * for the requests where relying parties authenticate, `Pragma: no-cache`
 * beside oidc-provider's `Cache-Control: no-store` (RFC 6749 §5.1, for HTTP/1.0 caches), a log
 * line saying why one was refused (the OAuth error and description with the client, never a
 * secret, code or token: oidc-provider's descriptions name parameters, not their values), and
 * the outcome reported to the abuse limits before the answer leaves.
 */
import type { Request, Response } from 'express';
import type Provider from 'oidc-provider';
import type { ErrorOut, KoaContextWithOIDC } from 'oidc-provider';
import { basicClientId, bodyClientId } from '../limits/token-client.ts';
import type { AbuseLimits } from '../limits/index.ts';
import { dropBoughtTokens, holdBoughtTokens, spendConsumedTokens } from '../store/token-consumption.ts';
import { isStoreUnavailable, outageCause, OUTAGE_RETRY_AFTER_SECONDS, StoreUnavailableError } from '../store/unavailable.ts';
import { OIDC_ROUTES } from './provider.ts';

/** Where relying parties authenticate: counted by the abuse limits. */
export const CLIENT_ENDPOINTS: readonly string[] = [
  OIDC_ROUTES.token,
  OIDC_ROUTES.introspection,
  OIDC_ROUTES.revocation,
  OIDC_ROUTES.pushed_authorization_request,
];

/** Of those, the requests counted against the client they name: tokens, and pushed requests (each one stored). */
export const CLIENT_COUNTED_ENDPOINTS: readonly string[] = [OIDC_ROUTES.token, OIDC_ROUTES.pushed_authorization_request];

/** One line per refused client request: what the application was told, and which application. */
function logRefusal(ctx: KoaContextWithOIDC, req: Request): void {
  const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, 200) : undefined);
  const client = ctx.oidc?.client?.clientId;
  req.log?.info(
    {
      route: ctx.path,
      status: ctx.status,
      error: text(body?.error),
      error_description: text(body?.error_description),
      clientId: client ?? basicClientId(req) ?? bodyClientId(req.body),
      clientAuthenticated: Boolean(client) && ctx.status !== 401,
    },
    'client request refused',
  );
}

/** How the provider renders an error page (oidc/pages.ts's renderError). */
export type RenderError = (ctx: KoaContextWithOIDC, out: ErrorOut, err: Error) => Promise<void>;

/** What the provider tells of an error of its own (oidc-provider's err_out): nothing of the error itself. */
const SERVER_ERROR: ErrorOut = { error: 'server_error', error_description: 'oops! something went wrong' };

/**
 * An error met after the provider's handler answered (the session saved after next(), the
 * tokens saved and the spend as the request answers, a middleware's write) is past the
 * provider's own error handling: Koa would send a bare text and drop every header. Answer as
 * the provider answers it instead: for an outage the outage page for a browser, the OAuth error
 * as JSON otherwise, with Retry-After; for any other error (a write Redis refuses: a missing ACL
 * permission) its `server_error`, the error logged through its `server_error` event. Never the
 * redirect that had been decided, nor the tokens: what they carried may not have been saved.
 */
async function answerAfterProvider(ctx: KoaContextWithOIDC, req: Request, err: unknown, renderError: RenderError): Promise<void> {
  const outage = isStoreUnavailable(err) ? (err instanceof StoreUnavailableError ? err : new StoreUnavailableError(err)) : undefined;
  ctx.remove('location');
  ctx.status = outage ? 503 : 500;
  if (outage) ctx.set('retry-after', String(OUTAGE_RETRY_AFTER_SECONDS));
  ctx.set('cache-control', 'no-store');
  const out: ErrorOut = outage ? { error: outage.error, error_description: outage.error_description } : SERVER_ERROR;
  const shown = outage ?? (err instanceof Error ? err : new Error(String(err)));
  if (ctx.accepts('json', 'html') === 'html') await renderError(ctx, out, shown);
  else ctx.body = out;
  if (outage) req.log?.warn({ detail: outageCause(err) }, 'store unavailable: request refused with 503');
  else ctx.oidc?.provider.emit('server_error', ctx, shown);
}

/**
 * What a request consumed at the token endpoint (a code, a refresh token) is spent only as it
 * answers, and not when the answer is a server-side failure: the tokens it bought are then not
 * handed out, and the application may try again with what it holds (store/token-consumption.ts).
 * The tokens it bought are held until then, and saved together right before the spend.
 * Mounted last, next to the provider's handler: the spend comes before the audit trail's wait
 * (an event that cannot be chained in time does not fail the answer it records, docs/audit.md,
 * and must not turn it into a 503 by spending the request's deadline first); a failure of the
 * spend itself reaches providerEdges, which answers the outage.
 */
export function spendConsumedAsAnswered() {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    holdBoughtTokens();
    try {
      await next();
    } catch (err) {
      dropBoughtTokens();
      throw err;
    }
    if (ctx.status < 500) await spendConsumedTokens();
    else dropBoughtTokens();
  };
}

export function providerEdges(provider: Provider, limits: AbuseLimits, renderError: RenderError): void {
  provider.use(async (ctx, next) => {
    const req = ctx.req as unknown as Request;
    if (req.ip) ctx.request.ip = req.ip;
    // Koa (proxy on) would believe X-Forwarded-Proto and -Host from anyone; give it express's
    // verdict (forwardedHeaders, src/http/forwarded-headers.ts, already dropped them from others).
    req.headers['x-forwarded-proto'] = req.protocol;
    if (req.host) req.headers['x-forwarded-host'] = req.host;
    else delete req.headers['x-forwarded-host'];
    try {
      await next();
    } catch (err) {
      await answerAfterProvider(ctx as KoaContextWithOIDC, req, err, renderError);
      return;
    }
    if (ctx.status === 503) ctx.set('retry-after', String(OUTAGE_RETRY_AFTER_SECONDS));
    if (ctx.method === 'POST' && CLIENT_ENDPOINTS.includes(ctx.path)) {
      ctx.set('pragma', 'no-cache');
      if (ctx.status >= 400) logRefusal(ctx as KoaContextWithOIDC, req);
      // ctx.oidc.client is set once the client is found; a 401 means its authentication failed.
      const authenticated = ctx.status !== 401 && Boolean(ctx.oidc?.client);
      // Bookkeeping of an answer already decided: a store failure here must not turn it into a 500.
      await limits
        .clientRequestAnswered(req, ctx.res as unknown as Response, { status: ctx.status, authenticated })
        .catch((err: unknown) => req.log?.warn({ detail: (err as Error).message }, 'abuse limits not updated for this answer'));
    }
  });
}
