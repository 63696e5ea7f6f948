/**
 * The simulator's express application: static assets, PSC's `/auth` host alias, the
 * `wallet-openid-configuration` discovery path, the login routes, and oidc-provider
 * mounted at the issuer path.
 */
import express, { type Express } from 'express';
import type { Provider } from 'oidc-provider';
import { errorHandler, notFound } from './error-pages.ts';
import type { SimulatorLogger } from './logger.ts';
import { grantRequested, loginRoutes } from './login-routes.ts';
import { delegationRoutes } from './delegation-routes.ts';
import type { PscDelegationOptions } from './delegation/options.ts';
import { AUTH_ALIAS_PATH, DISCOVERY_PATH, ENDPOINTS, ISSUER_PATH, STATIC_PATH, WALLET_DISCOVERY_PATH } from './paths.ts';
import type { Practitioner } from './practitioners.ts';
import { STATIC_DIR } from './views.ts';

export interface PscAppOptions {
  provider: Provider;
  issuer: string;
  practitioners: readonly Practitioner[];
  logger: SimulatorLogger;
  /** Delegation to an establishment's identity provider (PSC sans couture). */
  delegation?: PscDelegationOptions | undefined;
}

export function createPscApp(options: PscAppOptions): Express {
  const { provider, issuer, practitioners, logger } = options;
  const app = express();
  app.disable('x-powered-by');

  app.use(STATIC_PATH, express.static(STATIC_DIR, { index: false, maxAge: '1h' }));
  app.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });

  // PSC's authorization endpoint is on another host (wallet…/auth): send the browser on to
  // the real authorization endpoint under the issuer, keeping the query string.
  app.get(AUTH_ALIAS_PATH, (req, res) => {
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    res.redirect(302, `${issuer}${ENDPOINTS.authorization}${query}`);
  });

  // PSC's non-standard discovery path serves the standard document.
  app.get(`${ISSUER_PATH}${WALLET_DISCOVERY_PATH}`, (req, _res, next) => {
    req.url = `${ISSUER_PATH}${DISCOVERY_PATH}`;
    req.originalUrl = req.url;
    next();
  });

  if (options.delegation) {
    const delegation = options.delegation;
    const broker = delegationRoutes({
      provider,
      issuer,
      practitioners,
      logger,
      delegation,
      grantRequested: (details, accountId) => grantRequested(provider, details, accountId),
      // Called per request, once `login` below exists.
      loginPage: (details, notice) => login.loginPage(details, notice),
    });
    const login = loginRoutes({
      provider,
      issuer,
      practitioners,
      logger,
      delegation: { alias: delegation.alias, label: delegation.label, startUrl: broker.startUrl },
    });
    app.use(broker.router);
    app.use(login);
  } else {
    app.use(loginRoutes({ provider, issuer, practitioners, logger }));
  }
  app.use(ISSUER_PATH, provider.callback());
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
