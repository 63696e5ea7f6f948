/**
 * missingClientAuth: a request to an endpoint where clients authenticate that carries no client
 * authentication at all is `invalid_client` with status 401 (RFC 6749 §5.2: "no client
 * authentication included"). oidc-provider 9 answers 400 `invalid_request` ("no client
 * authentication mechanism provided", lib/shared/client_auth.js) with no option to change it,
 * so the answer is corrected after the fact, description kept. Nothing was issued: the check
 * runs before anything else at those endpoints.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';

/** oidc-provider's description for this refusal. */
const NO_CLIENT_AUTH = 'no client authentication mechanism provided';

export function missingClientAuth(paths: readonly string[]) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    await next();
    if (ctx.method !== 'POST' || !paths.includes(ctx.path) || ctx.status !== 400) return;
    const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
    if (body?.error !== 'invalid_request' || body.error_description !== NO_CLIENT_AUTH) return;
    ctx.status = 401;
    ctx.body = { ...body, error: 'invalid_client' };
  };
}
