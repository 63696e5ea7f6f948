/**
 * One warning per request that oidc-provider answered with the outage error (503 /
 * `temporarily_unavailable`), naming what Redis or ioredis said — never a stack trace: the
 * provider renders those errors itself, so the express error handler never sees them.
 */
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import { ConsumedMeanwhileError } from '../store/token-consumption.ts';
import { isStoreUnavailable, outageCause } from '../store/unavailable.ts';

/** The provider's endpoint error events (its `server_error` is for real 500s, logged elsewhere). */
const ENDPOINT_ERRORS = [
  'grant.error',
  'userinfo.error',
  'introspection.error',
  'revocation.error',
  'pushed_authorization_request.error',
  'end_session.error',
  'discovery.error',
  'jwks.error',
  'backchannel_authentication.error',
  'device_authorization.error',
] as const;

/**
 * An outage of the store, to be logged: not a record two requests consumed at once (a code,
 * a refresh token or a pushed request's request_uri), answered as an outage but where the
 * store answered.
 */
function isOutage(err: unknown): boolean {
  return isStoreUnavailable(err) && !(err instanceof ConsumedMeanwhileError);
}

export function logStoreOutages(provider: Provider, logger: Logger): void {
  // A sign-in refused during an outage goes back to the relying party (a redirect, not a 503
  // line in the request log): say so once per request.
  provider.on('authorization.error', (_ctx, err) => {
    if (isOutage(err)) logger.warn({ detail: outageCause(err) }, 'store unavailable: sign-in sent back to the relying party with temporarily_unavailable');
  });
  // Each event has its own overload: one listener for all of them goes through a plain signature.
  const on = provider.on.bind(provider) as unknown as (event: string, listener: (ctx: unknown, err: unknown) => void) => void;
  for (const event of ENDPOINT_ERRORS) {
    on(event, (_ctx, err) => {
      if (isOutage(err))
        logger.warn({ endpoint: event.replace(/\.error$/, ''), detail: outageCause(err) }, 'store unavailable: answered 503 temporarily_unavailable');
    });
  }
}
