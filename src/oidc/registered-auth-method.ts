/**
 * registeredAuthMethod: a client authenticates with a shared secret only the way it registered
 * (RFC 7591 §2 `token_endpoint_auth_method`): `client_secret_basic` in the Authorization header,
 * `client_secret_post` in the form body. oidc-provider 9 takes either for both
 * (lib/shared/client_auth.js), so the other one is refused here first: 401 `invalid_client`,
 * with a Basic challenge when the attempt was Basic. Other methods (private_key_jwt, none) are
 * oidc-provider's to check: their key stores differ. Nothing is read or stored for the client.
 */
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Request } from 'express';
import { basicClientId } from '../limits/token-client.ts';

const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post']);

/** The shared-secret method a request used, and the client it names; undefined for any other way. */
function secretAttempt(req: Request): { method: string; clientId: string } | undefined {
  const basic = basicClientId(req);
  if (basic) return { method: 'client_secret_basic', clientId: basic };
  if (typeof req.body !== 'string') return undefined;
  const form = new URLSearchParams(req.body);
  const clientId = form.get('client_id');
  return clientId && form.has('client_secret') ? { method: 'client_secret_post', clientId } : undefined;
}

export function registeredAuthMethod(provider: Provider, paths: readonly string[]) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    if (ctx.method !== 'POST' || !paths.includes(ctx.path)) return next();
    const attempt = secretAttempt(ctx.req as unknown as Request);
    const client = attempt && (await provider.Client.find(attempt.clientId).catch(() => undefined));
    const registered = client?.clientAuthMethod;
    if (!attempt || !registered || !SECRET_METHODS.has(registered) || registered === attempt.method) return next();
    const description = `this client authenticates with ${registered} as registered, not ${attempt.method}`;
    ctx.status = 401;
    ctx.set('cache-control', 'no-store');
    if (attempt.method === 'client_secret_basic')
      ctx.set('www-authenticate', `Basic realm="${provider.issuer}", error="invalid_client", error_description="${description}"`);
    ctx.body = { error: 'invalid_client', error_description: description };
  };
}
