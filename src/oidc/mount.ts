/**
 * Hands oidc-provider only the requests for its own endpoints (and discovery), so that every
 * other path reaches the gateway's routes and its French 404 page instead of Koa's "Not Found".
 * Call it after every provider.use(): Koa composes the middleware when callback() is taken.
 */
import type { RequestHandler } from 'express';
import type Provider from 'oidc-provider';
import { OIDC_ROUTES } from './provider.ts';
import { PROVIDER_HANDLED } from '../http/route-label.ts';

export function mountProvider(provider: Provider): RequestHandler {
  const callback = provider.callback();
  const prefixes = [...Object.values(OIDC_ROUTES), '/.well-known/openid-configuration'];
  return (req, res, next) => {
    const owned = prefixes.some((p) => req.path === p || req.path.startsWith(`${p}/`));
    if (!owned) return next();
    res.locals[PROVIDER_HANDLED] = true;
    return callback(req, res);
  };
}
