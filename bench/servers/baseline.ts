/**
 * The baseline the gateway is compared with: a bare oidc-provider in a plain node:http server,
 * on the same Redis through the same adapter (src/store/oidc-adapter.ts), with the settings
 * of src/oidc/provider.ts that matter for scenarios (a)–(d): the same client, scopes and
 * claims, PKCE, ES256 ID tokens, refresh-token rotation, introspection, userinfo, the
 * gateway's default token lifetimes. Accounts are read from Redis (one read of the claims as
 * JSON), as the gateway reads its own.
 *
 * What it does NOT have is what the gateway adds: express, security headers, request log,
 * metrics, abuse limits, input limits, the audit trail, session assurance and lifetimes.
 * The ratio gateway / baseline is the price of those.
 *
 * Interactions sign in at once as the account named in `login_hint` (no page, no consent):
 * the bench only needs it to obtain tokens.
 *
 * Run by bench/stack.ts as a child process; reads its settings from the environment:
 * PORT, REDIS_URL (or REDIS_CLUSTER_NODES), REDIS_PREFIX, BENCH_CLIENT_SECRET, BENCH_REDIRECT_URI, BASELINE_JWK (its ES256
 * signing key), BASELINE_COOKIE_KEY.
 */
import { createServer } from 'node:http';
import Provider, { type Configuration } from 'oidc-provider';
import type { JWK } from 'jose';
import { createAdapterFactory, createKeyNames, createRedisConnection, createRedisStore } from '../../src/store/index.ts';
import { longestTokenSeconds } from '../../src/oidc/token-lifetimes.ts';
import { CLAIMS, SCOPES } from '../../src/oidc/claims-config.ts';
import { loadConfig } from '../../src/config/index.ts';
import { BENCH_CLIENT_ID, BENCH_M2M_CLIENT_ID, BENCH_M2M_SCOPE, baselineAccountKey } from '../clients.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`baseline: ${name} is not set`);
  return value;
};

const port = Number(env('PORT'));
const issuer = `http://localhost:${port}`;
const prefix = env('REDIS_PREFIX');
// REDIS_CLUSTER_NODES instead on a Redis Cluster (the bench's scaling run).
const redis = createRedisConnection(process.env.REDIS_CLUSTER_NODES ? { clusterNodes: process.env.REDIS_CLUSTER_NODES } : { url: env('REDIS_URL') });
const store = createRedisStore(redis);
// The gateway's default lifetimes, read from the same schema.
const { ttl } = loadConfig({ env: {} });

// Shared by every instance (bench/stack.ts makes them), like the gateway's key files.
const jwk = { ...(JSON.parse(env('BASELINE_JWK')) as JWK), alg: 'ES256', use: 'sig', kid: 'baseline' };

const configuration: Configuration = {
  adapter: createAdapterFactory(store, createKeyNames(prefix), { longestTokenSeconds: longestTokenSeconds(ttl) }),
  clients: [
    {
      client_id: BENCH_CLIENT_ID,
      client_secret: env('BENCH_CLIENT_SECRET'),
      redirect_uris: [env('BENCH_REDIRECT_URI')],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
      scope: 'openid profile scope_all',
    },
    {
      client_id: BENCH_M2M_CLIENT_ID,
      client_secret: env('BENCH_CLIENT_SECRET'),
      redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
      scope: BENCH_M2M_SCOPE,
    },
  ],
  jwks: { keys: [jwk] } as Configuration['jwks'],
  cookies: { keys: [env('BASELINE_COOKIE_KEY')] },
  claims: CLAIMS,
  scopes: [...SCOPES, BENCH_M2M_SCOPE],
  responseTypes: ['code'],
  pkce: { required: () => true },
  conformIdTokenClaims: true,
  features: {
    devInteractions: { enabled: false },
    claimsParameter: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
    revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
    userinfo: { enabled: true },
    resourceIndicators: { enabled: false },
  },
  issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('openid'),
  rotateRefreshToken: () => true,
  ttl: {
    AccessToken: ttl.accessToken,
    AuthorizationCode: ttl.authorizationCode,
    IdToken: ttl.idToken,
    RefreshToken: ttl.refreshToken,
    Interaction: ttl.interaction,
    Grant: ttl.grant,
    Session: 4 * 3600,
    ClientCredentials: ttl.accessToken,
  },
  routes: { authorization: '/auth', token: '/token', userinfo: '/me', jwks: '/jwks', introspection: '/token/introspection', revocation: '/token/revocation' },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (_ctx, id) => {
    const stored = await redis.hget(baselineAccountKey(prefix, id), 'claims');
    if (!stored) return undefined;
    const claims = JSON.parse(stored) as Record<string, unknown>;
    return { accountId: id, claims: () => ({ ...claims, sub: id }) };
  },
};

const provider = new Provider(issuer, configuration);
const callback = provider.callback();

/** Signs in as `login_hint` at once, then grants what was asked. */
async function interaction(req: Parameters<typeof callback>[0], res: Parameters<typeof callback>[1]) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params } = details;
  if (prompt.name === 'login') {
    const accountId = String(params.login_hint ?? '');
    await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: String(params.client_id) });
  grant.addOIDCScope(String(params.scope));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const server = createServer((req, res) => {
  if (req.url?.startsWith('/interaction/')) {
    interaction(req, res).catch((err: Error) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`baseline interaction failed: ${err.message}`);
    });
    return;
  }
  callback(req, res);
});
server.keepAliveTimeout = 65_000;
// Several instances share the port, like the gateway's (HTTP_REUSE_PORT).
server.listen({ port, host: '127.0.0.1', reusePort: true }, () => process.stdout.write(`baseline listening on ${issuer}\n`));

const stop = () =>
  server.close(() => {
    void redis.quit().finally(() => process.exit(0));
  });
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
