/**
 * The gateway's composition root: store, keys, clients, policy, provider, routes, HTTP
 * server. `startGateway` listens and returns a handle that closes everything; an issuer
 * on port 0 takes the port actually bound (tests).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import express from 'express';
import type { Logger } from 'pino';
import { ConfigError, type Config } from './config/index.ts';
import { loadKeys } from './signing-keys/load.ts';
import { longestTokenSeconds, longestWholeRecordSeconds, sessionSeconds } from './oidc/token-lifetimes.ts';
import { ASSURANCE_KEPT_AFTER_SECONDS } from './oidc/assurance-check.ts';
import {
  createKeyNames,
  createBackend,
  createAdapterFactory,
  withUnavailableErrors,
  storeScopePerRequest,
  legacyLayoutsUntil,
  legacyRecordsUntil,
  type Store,
} from './store/index.ts';
import { logStoreOutages } from './oidc/outage-log.ts';
import { waitForStore } from './store/wait-for-store.ts';
import { createAbuseLimits } from './limits/index.ts';
import { createAccountRepository, createActivityLog } from './accounts/index.ts';
import type { Cluster, Redis } from 'ioredis';
import { verifyLog, type AuditLog, type VerifyLogResult } from './audit/index.ts';
import { createGatewayAudit } from './gateway-audit.ts';
import { auditProviderEvents } from './oidc/audit-events.ts';
import { adminRoutes } from './admin/web/routes.ts';
import { createWebAuthnDeps, loadAaguidsFile } from './webauthn/index.ts';
import { createMetadataStore, loadEstablishmentRoots, reportMetadata } from './mds/index.ts';
import { webauthnSettingsFor } from './webauthn/types.ts';
import { portalRoutes } from './portal/routes.ts';
import { portalClient, PORTAL_CLIENT_ID } from './portal/portal-client.ts';
import { portalBackLink } from './portal/back-link.ts';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadPolicy, type AssurancePolicy } from './assurance/index.ts';
import { createPscConfigurationSource, createPscFederation, createPscFetch, expiryWarning, readPscTlsFiles } from './federation/index.ts';
import { clientPlaceholders, createProvider, loadClientsFile, type ClientMetadata } from './oidc/index.ts';
import { OIDC_ROUTES } from './oidc/provider.ts';
import { oidcPages } from './oidc/pages.ts';
import { CLIENT_COUNTED_ENDPOINTS, CLIENT_ENDPOINTS, providerEdges, spendConsumedAsAnswered } from './oidc/edges.ts';
import { interactionRoutes, PSC_CALLBACK_PATH } from './interactions/routes.ts';
import { createJourneyState } from './interactions/journey-state.ts';
import { mountProvider } from './oidc/mount.ts';
import { postAsGet } from './oidc/post-as-get.ts';
import { missingClientAuth } from './oidc/missing-client-auth.ts';
import { registeredAuthMethod } from './oidc/registered-auth-method.ts';
import { providerApiEndpoints } from './oidc/api-endpoints.ts';
import { createSessionLifetimes } from './oidc/session-limits.ts';
import { createContextPolicy } from './oidc/session-context.ts';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AuditInput } from './audit/types.ts';
import { createSessionSweeper, sessionDeadlinesKey } from './oidc/session-sweeper.ts';
import { createDisabledClients, refuseDisabledClients } from './oidc/disabled-clients.ts';
import { oneTimeJtis } from './oidc/replay-detection.ts';
import { createSessionAssuranceStore } from './assurance/index.ts';
import { createViews, VIEWS_DIR } from './http/views.ts';
import { apiSecurityHeaders, cspNonce, securityHeaders } from './http/security-headers.ts';
import { requestLog } from './http/request-log.ts';
import { forwardedHeaders } from './http/forwarded-headers.ts';
import { errorHandler, notFound } from './http/error-handler.ts';
import { healthRoutes } from './http/health.ts';
import { drainServer } from './http/drain.ts';
import { backchannelFormLimits, queryLimits } from './http/input-limits.ts';
import { pushedRequestLimits } from './http/pushed-request-limits.ts';
import { createFormActionOrigins } from './http/form-action-origins.ts';
import { createGatewayMetrics } from './pilot/metrics.ts';
import { createEmergencyCodes } from './emergency/index.ts';
import { metricsRoute } from './pilot/metrics-route.ts';
import { createPilotFiguresReader } from './pilot/index.ts';
import { pilotRoutes } from './pilot/routes.ts';
import { rieRoutes } from './rie/routes.ts';

/** @simplewebauthn/browser's own bundle, served locally (no CDN). */
const SIMPLEWEBAUTHN_BUNDLE = join(dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle');
/** Chart.js's browser build, for the pilot dashboard (served from here, never from a CDN). */
const CHART_JS_BUNDLE = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');

export interface GatewayOptions {
  config: Config;
  logger: Logger;
  /** Relying parties; default: read from config.clients.file. */
  clients?: ClientMetadata[];
  /** Assurance policy; default: read from config.assurance.file. */
  policy?: AssurancePolicy;
  /** A store to use instead of creating one from config.redis (tests). */
  store?: Store;
  /** Clock in epoch ms for session lifetimes (tests move time); default Date.now. */
  clock?: () => number;
  /** The Redis client behind `store`, for the audit stream (tests that pass a store). */
  redis?: Redis | Cluster;
  /** Where audit JSON lines go instead of stdout / config.audit.logFile (tests). */
  auditMirror?: Logger;
}

export interface Gateway {
  url: string;
  server: Server;
  store: Store;
  /** Ends the sessions whose lifetime passed now (also done every sessions.sweepSeconds). */
  sweepSessions(): Promise<number>;
  /** The audit trail (tests read it). */
  auditLog: AuditLog;
  /** Verifies the whole audit chain with this instance's MAC key (as `npm run audit -- verify`). */
  verifyAudit(): Promise<VerifyLogResult>;
  /**
   * Stops accepting connections and marks the instance not ready (/readyz 503), lets requests
   * in flight finish for at most `drainMs` (default 10 s), then closes what is left, the audit
   * trail and Redis.
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { logger } = options;
  // Before listening: a missing or unreadable certificate is a ConfigError and leaves no port open.
  const pscTls = readPscTlsFiles(options.config.psc);
  const establishmentRoots = loadEstablishmentRoots(options.config.webauthn);
  const server = createServer();
  // Idle keep-alive connections are kept longer than the proxy in front keeps them (config schema,
  // http.keepAliveSeconds). The headers timeout (Node: 60 s) counts from a request's first byte, not over idle time.
  server.keepAliveTimeout = options.config.http.keepAliveSeconds * 1000;
  // Until the app is ready, answer instead of leaving requests unanswered forever.
  const starting = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end('{"status":"starting"}');
      return;
    }
    res
      .writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1', 'cache-control': 'no-store' })
      .end('HospiConnect démarre — réessayez dans un instant.\n');
  };
  server.on('request', starting);
  server.listen({ port: options.config.http.port, host: options.config.http.host, reusePort: options.config.http.reusePort });
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.config.http.port;
  const config = withPort(options.config, port);

  const backend = options.store ? { store: options.store, redis: options.redis } : createBackend(config.redis, logger);
  const store = withUnavailableErrors(backend.store);
  if (store.kind === 'memory')
    logger.warn(
      'REDIS_URL is not set: using the IN-MEMORY store. Sessions, accounts and keys are lost on restart and not shared between instances. Never use this in production.',
    );
  if (store.kind === 'redis') await waitForStore(store, logger);
  const keyNames = createKeyNames(config.redis.prefix);
  // Before anything is audited: whether an earlier release ran on this Redis is read from the audit stream.
  const startedAt = (options.clock ?? Date.now)();
  const legacyUntil = await legacyLayoutsUntil(store, keyNames, {
    longestWholeSeconds: longestWholeRecordSeconds(config),
    longestConsumableSeconds: longestTokenSeconds(config.ttl),
    longestTokenSeconds: longestTokenSeconds(config.ttl),
    now: startedAt,
  });
  // A session's assurance record lives as long as the longest session, and a little more (assuranceTtlSeconds).
  const namedAssuranceUntil = await legacyRecordsUntil(store, keyNames, {
    longestRecordSeconds: sessionSeconds(config.sessions) + ASSURANCE_KEPT_AFTER_SECONDS,
    now: startedAt,
    layout: 'assurance-fields',
  });
  // A Session's id in the uid index of the releases before lives as long as the Session record: the longest session.
  const sessionUidIndexUntil = await legacyRecordsUntil(store, keyNames, {
    longestRecordSeconds: sessionSeconds(config.sessions),
    now: startedAt,
    layout: 'session-ids',
  });
  const loaded = await loadKeys({
    dir: config.keys.dir,
    createIfMissing: config.env !== 'production',
    cookieKeys: config.cookieKeys,
    auditMacKey: config.audit.macKey,
  });
  for (const file of loaded.created) logger.warn({ file }, 'generated missing key file (run `npm run keys` to manage keys explicitly)');
  const registered = options.clients ?? loadClientsFile(config.clients.file, process.env, clientPlaceholders(config));
  if (registered.some((c) => c.client_id === PORTAL_CLIENT_ID))
    throw new ConfigError([
      { key: 'clients', received: JSON.stringify(PORTAL_CLIENT_ID), expected: `another client_id: "${PORTAL_CLIENT_ID}" is the gateway's own account portal` },
    ]);
  const clients = [...registered, portalClient(config.issuer)];
  const policy = options.policy ?? loadPolicy(config.assurance.file);
  const views = createViews(VIEWS_DIR);
  const accounts = createAccountRepository(store, keyNames, { maxAgeMs: config.accounts.recentMs });
  const metadata = createMetadataStore(store, keyNames, {
    onStale: ({ no, nextUpdate }) =>
      logger.warn(
        { no, nextUpdate },
        'the FIDO MDS BLOB in use is past its nextUpdate: it is still used (status reports and roots of that date); import the current one with npm run mds -- import FILE',
      ),
  });
  await reportMetadata(metadata, establishmentRoots.length, logger);
  // The webauthn module's dependencies, built once for the sign-in journey and /account.
  const webauthn = createWebAuthnDeps({
    store,
    keyNames,
    aaguids: loadAaguidsFile(config.webauthn),
    settings: {
      ...webauthnSettingsFor(config.issuer, config.webauthn.rpName),
      timeoutMs: config.webauthn.timeoutSeconds * 1000,
      requireAttestation: config.webauthn.requireAttestation,
      attestationAnchors: { metadata, establishmentRoots },
    },
  });
  const { credentials } = webauthn;

  const formAction = createFormActionOrigins(config.psc, clients);
  const pscFetch = pscTls && createPscFetch(pscTls);
  if (pscTls?.client) {
    const { subject, issuer, notAfter, fingerprint256 } = pscTls.client;
    logger.info({ subject, issuer, notAfter, fingerprint256 }, 'PSC client certificate loaded (tls_client_auth)');
    const warning = expiryWarning(pscTls.client);
    if (warning) logger.warn(warning);
  }
  const pscSource = formAction.learning(
    createPscConfigurationSource(config.psc, { allowHttp: config.env !== 'production', ...(pscFetch ? { fetch: pscFetch } : {}) }),
  );
  const psc = createPscFederation({ psc: config.psc, redirectUri: `${config.issuer}${PSC_CALLBACK_PATH}`, store, keyNames, source: pscSource });
  const clock = options.clock ?? Date.now;
  const metrics = createGatewayMetrics({ emergencyCodesIssued: () => createEmergencyCodes(store, keyNames).issuedCount() });
  const audit = createGatewayAudit({
    config,
    store,
    redis: backend.redis,
    keyNames,
    macKey: loaded.auditMacKey,
    logger,
    mirror: options.auditMirror,
    clock,
    count: metrics.counting,
  });
  await audit.recorder.record({
    type: 'config.loaded',
    outcome: 'info',
    details: { env: config.env, issuer: config.issuer, store: store.kind, clients: clients.map((c) => c.client_id) },
  });
  await audit.recorder.record({
    type: 'keys.loaded',
    outcome: 'info',
    details: { signingKeys: loaded.jwks.keys.map((k) => `${k.alg}:${k.kid}`), created: loaded.created.length },
  });
  const lifetimes = createSessionLifetimes(config.sessions);
  const sessionAssurance = createSessionAssuranceStore(store, keyNames, { namedFieldsUntil: namedAssuranceUntil, clock });
  const deadlinesKey = sessionDeadlinesKey(keyNames);
  const usableKeys = async (accountId: string) => (await credentials.listUsable(accountId)).length;
  const sessionChecks = {
    sessions: sessionAssurance,
    lifetimes,
    policy,
    usableKeys,
    store,
    deadlinesKey,
    clock,
    context: createContextPolicy(config),
    audit: (input: AuditInput, ctx: KoaContextWithOIDC) => audit.recorder.record(input, audit.sourceOfContext(ctx)),
  };
  const provider = createProvider({
    sessionChecks,
    config,
    adapter: createAdapterFactory(store, keyNames, { longestTokenSeconds: longestTokenSeconds(config.ttl), ...legacyUntil, sessionUidIndexUntil }),
    jwks: loaded.jwks,
    cookieKeys: loaded.cookieKeys,
    clients,
    accounts,
    views,
  });
  // Before the app mounts the provider: its middleware is composed when callback() is taken.
  const limits = createAbuseLimits({ limits: config.limits, redis: backend.redis, prefix: config.redis.prefix, audit: audit.requests });
  refuseDisabledClients(provider, createDisabledClients(store, keyNames));
  oneTimeJtis(provider, store, keyNames);
  providerEdges(provider, limits, oidcPages(views, OIDC_ROUTES.authorization).renderError);
  provider.use(missingClientAuth(CLIENT_ENDPOINTS));
  provider.use(registeredAuthMethod(provider, CLIENT_ENDPOINTS));
  auditProviderEvents(provider, audit.recorder, audit.sourceOfContext);
  // Last: next to the handler, inside the audit trail's wait (edges.ts).
  provider.use(spendConsumedAsAnswered());
  provider.on('server_error', (_ctx, err) => logger.error({ err }, 'oidc-provider server error'));
  logStoreOutages(provider, logger);
  provider.on('backchannel.error', (_ctx, err, client) =>
    logger.warn({ clientId: client.clientId, detail: err.message }, 'back-channel logout delivery failed'),
  );

  const draining = { now: false };
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.http.trustProxy);
  app.use(storeScopePerRequest());
  app.use(forwardedHeaders());
  app.use(requestLog(logger));
  app.use(metrics.http);
  const clientLimits = limits.clientEndpoint({ counted: CLIENT_COUNTED_ENDPOINTS, all: CLIENT_ENDPOINTS });
  app.use(
    providerApiEndpoints(provider, [
      apiSecurityHeaders({ production: config.env === 'production' }),
      queryLimits(),
      backchannelFormLimits(CLIENT_ENDPOINTS),
      pushedRequestLimits(OIDC_ROUTES.pushed_authorization_request),
      clientLimits,
    ]),
  );
  app.use(cspNonce());
  app.use(securityHeaders({ production: config.env === 'production', formActionOrigins: formAction.origins }));
  app.use('/static/vendor/simplewebauthn', express.static(SIMPLEWEBAUTHN_BUNDLE, { maxAge: '1h', fallthrough: false, index: false }));
  app.get('/static/vendor/chart.js/chart.umd.min.js', (_req, res) => res.sendFile(CHART_JS_BUNDLE, { maxAge: '1h' }));
  app.use('/static', express.static(`${VIEWS_DIR}static`, { maxAge: '1h', fallthrough: false, index: false }));
  app.use(healthRoutes(store, draining));
  app.use(metricsRoute(metrics.registry, config.metrics));
  app.use(queryLimits());
  app.get(OIDC_ROUTES.authorization, limits.signinStep);
  app.post(OIDC_ROUTES.authorization, limits.signinStep, ...postAsGet(OIDC_ROUTES.authorization, { errorCode: 'invalid_request' }));
  app.post(OIDC_ROUTES.end_session, ...postAsGet(OIDC_ROUTES.end_session, { errorCode: 'invalid_logout_request' }));
  const journey = createJourneyState({ store, keyNames, lifetimes: { interaction: config.ttl.interaction, pscRoundTrip: config.psc.stateTtlSeconds }, logger });
  app.use(
    interactionRoutes({
      config,
      provider,
      accounts,
      policy,
      psc,
      store,
      keyNames,
      journey,
      views,
      credentials,
      sessions: sessionAssurance,
      clock,
      webauthn,
      audit: audit.requests,
      limits,
      notices: audit.notices,
      csrfSecret: loaded.cookieKeys[0]!,
    }),
  );
  const portalDeps = {
    config,
    provider,
    accounts,
    credentials,
    policy,
    activity: createActivityLog(store, keyNames),
    store,
    keyNames,
    views,
    webauthn,
    csrfSecret: loaded.cookieKeys[0]!,
    sessionChecks,
    audit: audit.requests,
    notices: audit.notices,
  };
  app.use(['/account', '/pilot', '/admin'], portalBackLink);
  app.use(portalRoutes(portalDeps));
  app.use(adminRoutes({ ...portalDeps, auditLog: audit.log }));
  const pilotDeps = {
    ...portalDeps,
    figures: createPilotFiguresReader(store, keyNames),
    clientNames: new Map(clients.map((c) => [c.client_id, String(c.client_name ?? c.client_id)])),
    clock,
  };
  app.use(pilotRoutes(pilotDeps));
  app.use(rieRoutes({ ...pilotDeps, clients: registered }));
  app.use(mountProvider(provider));
  app.use(notFound(views));
  app.use(errorHandler(views));
  server.removeListener('request', starting);
  server.on('request', app);

  const sweeper = createSessionSweeper({
    provider,
    store,
    sessions: sessionAssurance,
    lifetimes,
    deadlinesKey,
    lockKey: keyNames.custom('sessions', 'sweep-lock'),
    clock,
    logger,
    audit: audit.recorder,
  });
  sweeper.start(config.sessions.sweepSeconds * 1000);

  pscSource.get().catch((err: Error) => logger.warn({ detail: err.message }, 'PSC discovery failed at start-up; it is retried at the next sign-in'));
  logger.info({ issuer: config.issuer, store: store.kind, clients: clients.map((c) => c.client_id) }, 'gateway listening');

  return {
    url: config.issuer,
    server,
    store,
    sweepSessions: () => sweeper.sweep(),
    auditLog: audit.log,
    verifyAudit: () => verifyLog(audit.log, loaded.auditMacKey),
    async close({ drainMs = 10_000 } = {}) {
      draining.now = true;
      sweeper.stop();
      await drainServer(server, drainMs, logger);
      await audit.close();
      await pscFetch?.close();
      if (!options.store) {
        await store.close();
        logger.info({ store: store.kind }, 'store connection closed');
      }
    },
  };
}

/** An issuer (and PSC redirect) on port 0 takes the port the server actually bound. */
function withPort(config: Config, port: number): Config {
  const issuer = new URL(config.issuer);
  if (issuer.port !== '0') return config;
  issuer.port = String(port);
  return { ...config, issuer: issuer.href.replace(/\/$/, '') };
}
