/**
 * The provider's endpoints for applications — token, introspection, revocation, pushed
 * authorization requests, userinfo, JWKS, discovery — answer JSON, never a page. They are routed before the page middleware
 * (CSP nonce, static files, the interaction, portal, admin and pilot routers): about forty
 * route checks and a random nonce less per call, on the endpoints applications call most.
 * `guards` run first (API security headers, input limits, abuse limits), then oidc-provider.
 * Call it after every provider.use(), like mountProvider.
 */
import express, { type RequestHandler, type Router } from 'express';
import type Provider from 'oidc-provider';
import { OIDC_ROUTES } from './provider.ts';

export const API_ENDPOINTS: readonly string[] = [
  OIDC_ROUTES.token,
  OIDC_ROUTES.introspection,
  OIDC_ROUTES.revocation,
  OIDC_ROUTES.pushed_authorization_request,
  OIDC_ROUTES.userinfo,
  OIDC_ROUTES.jwks,
  '/.well-known/openid-configuration',
];

export function providerApiEndpoints(provider: Provider, guards: RequestHandler[]): Router {
  const callback = provider.callback();
  const router = express.Router();
  router.all([...API_ENDPOINTS], ...guards, (req, res) => callback(req, res));
  return router;
}
