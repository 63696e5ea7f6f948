/**
 * Starts a real stack for integration tests: the PSC simulator, one or more gateway
 * instances on one store (real Redis under a per-run key prefix, or memory), and test
 * relying parties registered like production ones. Everything talks over real HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { pino } from 'pino';
import { loggerOptions } from '../../src/logging/logger.ts';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { startGateway, type Gateway } from '../../src/gateway.ts';
import { toClientMetadata } from '../../src/oidc/index.ts';
import { createKeyNames, createRedisConnection, createRedisStore, createMemoryStore, type RedisConnectionOptions, type Store } from '../../src/store/index.ts';
import { startPscSimulator, type PscClient, type PscSimulator, type PscSimulatorTls } from '../../src/sandbox/psc/index.ts';
import { TEST_REDIS_URL, deletePrefix, uniquePrefix } from './redis.ts';
import { freePort } from './ports.ts';
import { startBackchannelReceiver } from './backchannel-receiver.ts';
import { startDemoRp } from '../../src/sandbox/rp/demo-rp.ts';
import { loadClientKey } from '../../src/sandbox/rp/client-key.ts';
import { brokerPaths } from '../../src/sandbox/psc/index.ts';

/** The simulator's alias of the gateway as an identity provider (kc_idp_hint). */
export const DELEGATION_ALIAS = 'hospiconnect';

export const RP_REDIRECT = 'http://127.0.0.1:9/cb';
export const RP_POST_LOGOUT = 'http://127.0.0.1:9/bye';

export interface StackOptions {
  name: string;
  store?: 'redis' | 'memory';
  /** How many gateway instances share the store (default 1). */
  instances?: number;
  /** Also start the demo DPI and DMP-like applications, registered like in config/clients.json. */
  demoApps?: boolean;
  /** Changes to the registered test clients (by client_id), e.g. { 'demo-dpi': { key_after_ecps: true } }. */
  clientOverrides?: Record<string, Record<string, unknown>>;
  /** Clock of the gateway's session lifetimes (tests move time). */
  clock?: () => number;
  /** Redis to use instead of TEST_REDIS_URL (a private redis-server the test stops and restarts). */
  redisUrl?: string;
  /** A private Sentinel or Cluster topology instead (test/support/redis-replicated.ts). */
  redisTopology?: RedisConnectionOptions;
  /**
   * Serve the PSC simulator over HTTPS with client certificates (PEM contents) and register the
   * gateway there with tls_client_auth and this subject DN instead of its secret. The gateway's
   * side (psc.authMethod, psc.tls.*) is set through `overrides`.
   */
  pscMtls?: { tls: PscSimulatorTls; subjectDn: string };
  /** Practitioner fixture of the PSC simulator (default: the sandbox's), e.g. bench/practitioners.ts's many clinicians. */
  pscPractitionersFile?: string;
  /** Collects the gateways' log lines (JSON, level info and up) here instead of discarding them. */
  logs?: string[];
  /**
   * PSC sans couture: the simulator delegates to the gateway (alias `hospiconnect`), the gateway
   * registers it as `psc-delegation`, and a demo national service signs in at the simulator.
   */
  delegation?: { pairingLifetimeSeconds?: number; clock?: () => number; kcIdpHint?: boolean };
  /** Extra configuration overrides (dotted keys), possibly computed from the simulator. */
  overrides?: Record<string, unknown> | ((psc: PscSimulator) => Record<string, unknown>);
}

export interface Stack {
  config: Config;
  issuer: string;
  gateways: Gateway[];
  /** Base URLs of each instance (same issuer, different ports when instances > 1). */
  instanceUrls: string[];
  psc: PscSimulator;
  store: Store;
  prefix: string;
  /** The keys folder of the gateways (signing, cookie and audit MAC keys). */
  keysDir: string;
  secrets: Record<string, string>;
  /** The test clients as clients.json entries (for a CLIENTS_FILE the admin CLI reads). */
  registrations: Record<string, unknown>[];
  backchannel: Awaited<ReturnType<typeof startBackchannelReceiver>>;
  /** Base URLs of the demo applications (demoApps: true). */
  demo: { dpi: string; dmp: string } | undefined;
  /** The demo national service, a client of the PSC simulator (delegation). */
  national: string | undefined;
  /** An openid-client Configuration for a registered test client. */
  rp(clientId?: string, metadata?: Partial<client.ClientMetadata>): Promise<client.Configuration>;
  /** Stops every gateway instance and starts it again on the same port and store (it reloads the keys folder). */
  restartGateways(): Promise<void>;
  /** Number of keys the stack has in Redis, abuse-limit counters aside (to prove that rejected input stores nothing). */
  keyCount(): Promise<number>;
  /** The stack's keys in Redis whose name after the prefix matches `pattern` (a Redis glob), e.g. `*:AccessToken:json`. */
  keysMatching(pattern: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const prefix = uniquePrefix(options.name);
  const keysDir = mkdtempSync(join(tmpdir(), 'hc-keys-'));
  const secrets = {
    psc: randomBytes(24).toString('base64url'),
    'test-rp': randomBytes(24).toString('base64url'),
    'third-party-rp': randomBytes(24).toString('base64url'),
    'jwt-userinfo-rp': randomBytes(24).toString('base64url'),
  };
  const backchannel = await startBackchannelReceiver();
  const count = options.instances ?? 1;
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const issuer = `http://localhost:${ports[0]}`;
  const redirectUris = [`${issuer}/federation/psc/callback`];
  const gatewayAtPsc: PscClient = options.pscMtls
    ? {
        client_id: 'hospiconnect-gateway',
        redirect_uris: redirectUris,
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: options.pscMtls.subjectDn,
      }
    : { client_id: 'hospiconnect-gateway', client_secret: secrets.psc, redirect_uris: redirectUris };
  const nationalPort = options.delegation ? await freePort() : 0;
  const national = options.delegation ? `http://localhost:${nationalPort}` : undefined;
  const nationalSecret = randomBytes(32).toString('base64url');
  const nationalAtPsc: PscClient[] = national
    ? [{ client_id: 'demo-national', client_secret: nationalSecret, redirect_uris: [`${national}/callback`], post_logout_redirect_uris: [`${national}/`] }]
    : [];
  const delegation = options.delegation
    ? {
        alias: DELEGATION_ALIAS,
        label: 'Centre hospitalier de test',
        issuer,
        clientId: 'psc-delegation',
        key: await loadClientKey(keysDir, 'psc-delegation'),
        ...(options.delegation.pairingLifetimeSeconds ? { pairingLifetimeSeconds: options.delegation.pairingLifetimeSeconds } : {}),
        ...(options.delegation.clock ? { clock: options.delegation.clock } : {}),
      }
    : undefined;
  const psc = await startPscSimulator({
    port: 0,
    clients: [gatewayAtPsc, ...nationalAtPsc],
    ...(delegation ? { delegation } : {}),
    ...(options.pscMtls ? { tls: options.pscMtls.tls } : {}),
    ...(options.pscPractitionersFile ? { practitionersFile: options.pscPractitionersFile } : {}),
  });
  const config = loadConfig({
    env: {},
    overrides: {
      env: 'test',
      issuer,
      'redis.prefix': prefix,
      'keys.dir': keysDir,
      'psc.issuer': psc.issuer,
      'psc.clientSecret': secrets.psc,
      'psc.timeoutMs': 1500,
      'sandbox.enabled': false,
      'log.level': process.env.TEST_LOG_LEVEL ?? 'silent',
      // Every test signs in from 127.0.0.1, many times per minute: the abuse limits are
      // exercised by test/integration/abuse-limits.test.ts with its own budgets.
      'limits.signinPerIp.points': 100_000,
      'limits.keyFailuresPerAccount.points': 100_000,
      // The notices page at sign-in (changes to a clinician's keys) would stand between most
      // journeys and their application: test/integration/means-notices.test.ts turns it on.
      'means.noticesAtSignIn': false,
      ...(options.delegation ? { 'delegation.tenantId': 'TEST-ESTABLISHMENT' } : {}),
      ...(typeof options.overrides === 'function' ? options.overrides(psc) : options.overrides),
    },
  });
  const demoPorts = options.demoApps ? [await freePort(), await freePort()] : [];
  const demo = options.demoApps ? { dpi: `http://localhost:${demoPorts[0]}`, dmp: `http://localhost:${demoPorts[1]}` } : undefined;
  const demoSecret = randomBytes(32).toString('base64url');
  const demoClients = demo
    ? [
        {
          client_id: 'demo-dpi',
          client_name: 'DPI de démonstration',
          first_party: true,
          redirect_uris: [`${demo.dpi}/callback`],
          post_logout_redirect_uris: [`${demo.dpi}/`],
          client_secret: demoSecret,
          backchannel_logout_uri: `${demo.dpi}/backchannel-logout`,
          backchannel_logout_session_required: true,
        },
        {
          client_id: 'demo-dmp',
          client_name: 'Service DMP de démonstration',
          first_party: true,
          redirect_uris: [`${demo.dmp}/callback`],
          post_logout_redirect_uris: [`${demo.dmp}/`],
          token_endpoint_auth_method: 'private_key_jwt',
          jwks_uri: `${demo.dmp}/jwks.json`,
          userinfo_signed_response_alg: 'ES256',
          backchannel_logout_uri: `${demo.dmp}/backchannel-logout`,
          backchannel_logout_session_required: true,
          require_pushed_authorization_requests: true,
          dpop_bound_access_tokens: true,
        },
      ]
    : [];
  const clientEntries = [
    {
      client_id: 'test-rp',
      client_name: 'Application de test',
      first_party: true,
      redirect_uris: [RP_REDIRECT],
      post_logout_redirect_uris: [RP_POST_LOGOUT],
      client_secret: secrets['test-rp'],
      backchannel_logout_uri: backchannel.url,
      backchannel_logout_session_required: true,
    },
    {
      client_id: 'third-party-rp',
      client_name: 'Application tierce',
      first_party: false,
      redirect_uris: [RP_REDIRECT],
      client_secret: secrets['third-party-rp'],
    },
    {
      client_id: 'jwt-userinfo-rp',
      client_name: 'Application userinfo signé',
      first_party: true,
      redirect_uris: [RP_REDIRECT],
      client_secret: secrets['jwt-userinfo-rp'],
      userinfo_signed_response_alg: 'ES256',
    },
    ...demoClients,
    ...(options.delegation
      ? [
          {
            client_id: 'psc-delegation',
            client_name: 'Pro Santé Connect',
            first_party: true,
            psc_delegation: true,
            redirect_uris: [`${psc.issuer}${brokerPaths(DELEGATION_ALIAS).endpoint}`],
            token_endpoint_auth_method: 'private_key_jwt',
            jwks_uri: `${psc.issuer}${brokerPaths(DELEGATION_ALIAS).jwks}`,
            grant_types: ['authorization_code'],
            scope: 'openid',
            min_acr: 'eidas2',
            phishing_resistant: true,
          },
        ]
      : []),
  ].map((c) => ({ ...c, ...options.clientOverrides?.[c.client_id] }));
  const clients = toClientMetadata(clientEntries, {}, 'test-clients');

  const redis = options.store === 'memory' ? undefined : createRedisConnection(options.redisTopology ?? { url: options.redisUrl ?? TEST_REDIS_URL });
  const store = redis ? createRedisStore(redis) : createMemoryStore();
  const logs = options.logs;
  // The gateway's own logger options (what it redacts, how it writes errors), writing here.
  const logger = logs
    ? pino(loggerOptions('info'), {
        write: (line: string) => {
          logs.push(line);
        },
      })
    : pino(loggerOptions(process.env.TEST_LOG_LEVEL ?? 'silent'));
  const auditMirror = pino({ level: 'silent' });
  const gateways: Gateway[] = [];
  const startInstance = (port: number) =>
    startGateway({
      config: { ...config, http: { ...config.http, port } },
      logger,
      clients,
      store,
      auditMirror,
      ...(redis ? { redis } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
  for (const port of ports) gateways.push(await startInstance(port));
  const keyNames = createKeyNames(prefix);
  const demoRps = demo
    ? [
        await startDemoRp({
          port: demoPorts[0]!,
          title: 'DPI de démonstration',
          subtitle: 'test',
          issuer,
          clientId: 'demo-dpi',
          auth: { method: 'client_secret_basic', secret: demoSecret },
          logger,
        }),
        await startDemoRp({
          port: demoPorts[1]!,
          title: 'Service DMP de démonstration',
          subtitle: 'test',
          issuer,
          clientId: 'demo-dmp',
          auth: { method: 'private_key_jwt', key: await loadClientKey(keysDir, 'demo-dmp') },
          signedUserinfo: true,
          fapi2: true,
          logger,
        }),
      ]
    : [];
  const nationalRp = national
    ? await startDemoRp({
        port: nationalPort,
        title: 'Service national de démonstration',
        subtitle: 'test',
        issuer: psc.issuer,
        clientId: 'demo-national',
        auth: { method: 'client_secret_basic', secret: nationalSecret },
        scope: 'openid scope_all',
        acrValues: 'eidas1',
        providerName: 'Pro Santé Connect',
        signInWith: 'Pro Santé Connect',
        ...(options.delegation?.kcIdpHint === false ? {} : { authParams: { kc_idp_hint: DELEGATION_ALIAS } }),
        logger,
      })
    : undefined;

  return {
    config,
    issuer,
    gateways,
    instanceUrls: ports.map((p) => `http://localhost:${p}`),
    psc,
    store,
    prefix,
    keysDir,
    secrets,
    registrations: clientEntries,
    backchannel,
    demo,
    national,
    async rp(clientId = 'test-rp', metadata = {}) {
      const secret = secrets[clientId as keyof typeof secrets];
      return client.discovery(new URL(issuer), clientId, { ...metadata }, client.ClientSecretBasic(secret), { execute: [client.allowInsecureRequests] });
    },
    async restartGateways() {
      for (const [i, port] of ports.entries()) {
        await gateways[i]!.close({ drainMs: 500 });
        gateways[i] = await startInstance(port);
      }
    },
    async keyCount() {
      if (!redis) return -1;
      let cursor = '0';
      let n = 0;
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${keyNames.prefix}*`, 'COUNT', 1000);
        cursor = next;
        // Abuse-limit counters (`rl:`) count requests, refused ones included: not stored state.
        n += found.filter((key) => !key.startsWith(`${keyNames.prefix}rl:`)).length;
      } while (cursor !== '0');
      return n;
    },
    async keysMatching(pattern) {
      if (!redis) throw new Error('stack keysMatching: expected a stack on Redis, got the memory store');
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${keyNames.prefix}${pattern}`, 'COUNT', 1000);
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0');
      return keys;
    },
    async close() {
      for (const rp of demoRps) await rp.close();
      await nationalRp?.close();
      // Tests leave no request worth waiting for: a short drain keeps teardown quick.
      for (const g of gateways) await g.close({ drainMs: 500 });
      await psc.close();
      await backchannel.close();
      await store.close();
      if (redis && !options.redisUrl && !options.redisTopology) await deletePrefix(prefix);
      rmSync(keysDir, { recursive: true, force: true });
    },
  };
}
