/**
 * The sandbox peers started by `npm start` outside production: the PSC simulator (3001)
 * and the demo DPI (3002) and DMP-like (3003) applications, and the demo national service
 * (3004: a client of the PSC simulator, which delegates its sign-ins to the gateway), each
 * listening on SANDBOX_HOST and its port and reached at its public URL (SANDBOX_*_URL). Secrets they share with the
 * gateway are generated per run when not given, so none is ever written in the repo.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ConfigError, type Config } from '../config/index.ts';
import { clientPlaceholders, loadClientsFile, type ClientMetadata } from '../oidc/index.ts';
import { checkDemoRegistrations } from './demo-registrations.ts';
import { checkReachable, type Probe } from './reachability.ts';
import { startPscSimulator } from './psc/index.ts';
import { startDemoRp } from './rp/demo-rp.ts';
import { loadClientKey } from './rp/client-key.ts';

export interface SandboxPeers {
  pscUrl: string;
  close(): Promise<void>;
}

/** The sandbox practitioner who may open /pilot when no pilot team is configured (KIT DOC0042788, médecin). */
export const SANDBOX_PILOT_STAFF = '899700427885';

/** The simulator's alias of the gateway as an identity provider (`kc_idp_hint`), and PSC's client_id there. */
export const SANDBOX_DELEGATION = { alias: 'hospiconnect', clientId: 'psc-delegation', tenantId: 'SANDBOX-CH-DEMO' } as const;

/**
 * Fills in the secrets the sandbox shares with the gateway (PSC client secret, demo-dpi
 * secret), and lets the sandbox's test doctor open /pilot when no pilot team is configured.
 */
export function prepareSandboxSecrets(config: Config, env: NodeJS.ProcessEnv = process.env): Config {
  env.DEMO_DPI_CLIENT_SECRET ??= randomBytes(32).toString('base64url');
  env.DEMO_NATIONAL_CLIENT_SECRET ??= randomBytes(32).toString('base64url');
  return {
    ...config,
    delegation: { ...config.delegation, tenantId: config.delegation.tenantId ?? SANDBOX_DELEGATION.tenantId },
    psc: { ...config.psc, clientSecret: config.psc.clientSecret ?? randomBytes(32).toString('base64url') },
    pilot: { ...config.pilot, staffIdNats: config.pilot.staffIdNats.length ? config.pilot.staffIdNats : [SANDBOX_PILOT_STAFF] },
  };
}

/**
 * The relying parties of the clients file, its demo applications' addresses filled in from
 * SANDBOX_DPI_URL / SANDBOX_DMP_URL; throws ConfigError when the demo applications are not
 * registered where they run (before anything listens).
 */
export function loadSandboxClients(config: Config, env: NodeJS.ProcessEnv = process.env): ClientMetadata[] {
  const clients = loadClientsFile(config.clients.file, env, clientPlaceholders(config));
  checkDemoRegistrations(config, clients);
  return clients;
}

/** Starts the PSC simulator; the returned config points the gateway at it. */
export async function startPscSandbox(config: Config, logger: Logger, env: NodeJS.ProcessEnv = process.env) {
  const authMethod = config.psc.authMethod;
  if (authMethod === 'tls_client_auth') {
    throw new ConfigError([
      {
        key: 'psc.authMethod',
        env: 'PSC_AUTH_METHOD',
        received: JSON.stringify(authMethod),
        expected:
          "client_secret_basic or client_secret_post with the sandbox's PSC simulator (npm start serves it over plain http, where no client certificate can be seen); set SANDBOX=false and PSC_ISSUER to reach a PSC with the certificate",
      },
    ]);
  }
  const simulator = await startPscSimulator({
    port: config.sandbox.pscPort,
    host: config.sandbox.host,
    url: config.sandbox.pscUrl,
    clients: [
      {
        client_id: config.psc.clientId,
        client_secret: config.psc.clientSecret!,
        redirect_uris: [`${config.issuer}/federation/psc/callback`],
        token_endpoint_auth_method: authMethod,
      },
      {
        client_id: NATIONAL_CLIENT_ID,
        client_secret: nationalSecret(env),
        redirect_uris: [`${config.sandbox.nationalUrl}/callback`],
        post_logout_redirect_uris: [`${config.sandbox.nationalUrl}/`],
      },
    ],
    // PSC sans couture: the simulator delegates to the gateway, registered there as psc-delegation.
    delegation: {
      alias: SANDBOX_DELEGATION.alias,
      label: 'Centre hospitalier de démonstration (HospiConnect)',
      issuer: config.issuer,
      clientId: SANDBOX_DELEGATION.clientId,
      key: await loadClientKey(config.keys.dir, SANDBOX_DELEGATION.clientId),
      pairingLifetimeSeconds: config.sandbox.pairingDays * 86_400,
    },
    logger: logger.child({ peer: 'psc-simulator' }),
  });
  return { simulator, config: { ...config, psc: { ...config.psc, issuer: simulator.issuer } } };
}

const DPI_TITLE = 'DPI de démonstration';
const DMP_TITLE = 'Service DMP de démonstration';
const NATIONAL_TITLE = 'Service national de démonstration';
const NATIONAL_CLIENT_ID = 'demo-national';

function nationalSecret(env: NodeJS.ProcessEnv): string {
  env.DEMO_NATIONAL_CLIENT_SECRET ??= randomBytes(32).toString('base64url');
  return env.DEMO_NATIONAL_CLIENT_SECRET;
}

/** Starts the demo applications, as registered in `clients` (loadSandboxClients). */
export async function startDemoApps(config: Config, clients: readonly ClientMetadata[], logger: Logger) {
  const secret = clients.find((c) => c.client_id === 'demo-dpi')?.client_secret;
  if (typeof secret !== 'string') throw new Error('demo-dpi has no client secret: loadSandboxClients checks the registrations first');
  const dpi = await startDemoRp({
    port: config.sandbox.dpiPort,
    host: config.sandbox.host,
    url: config.sandbox.dpiUrl,
    title: DPI_TITLE,
    subtitle: 'Dossier patient informatisé — Centre hospitalier de démonstration',
    issuer: config.issuer,
    clientId: 'demo-dpi',
    auth: { method: 'client_secret_basic', secret },
    logger,
  });
  const dmp = await startDemoRp({
    port: config.sandbox.dmpPort,
    host: config.sandbox.host,
    url: config.sandbox.dmpUrl,
    title: DMP_TITLE,
    subtitle: 'Service national de type DMP — accès sensible',
    issuer: config.issuer,
    clientId: 'demo-dmp',
    auth: { method: 'private_key_jwt', key: await loadClientKey(config.keys.dir, 'demo-dmp') },
    signedUserinfo: true,
    fapi2: true,
    logger,
  });
  // The national service signs in at PSC (the simulator), not at the gateway: PSC, told by
  // kc_idp_hint, sends the clinician to the gateway (PSC sans couture).
  const national = await startDemoRp({
    port: config.sandbox.nationalPort,
    host: config.sandbox.host,
    url: config.sandbox.nationalUrl,
    title: NATIONAL_TITLE,
    subtitle: 'Service numérique national raccordé à Pro Santé Connect — connexion déléguée à l’établissement',
    issuer: config.psc.issuer,
    clientId: NATIONAL_CLIENT_ID,
    auth: { method: 'client_secret_basic', secret: nationalSecret(process.env) },
    scope: 'openid scope_all',
    acrValues: 'eidas1',
    authParams: { kc_idp_hint: SANDBOX_DELEGATION.alias },
    providerName: 'Pro Santé Connect',
    signInWith: 'Pro Santé Connect',
    logger,
  });
  return [dpi, dmp, national];
}

/**
 * Once everything listens: each peer answers at its URL from here, as the peers reach one
 * another there; throws ConfigError naming the URL setting and where the peer listens.
 */
export async function checkSandboxUrls(config: Config): Promise<void> {
  const { sandbox } = config;
  const json = (body: string): Record<string, unknown> => {
    try {
      return JSON.parse(body) as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  const issuerOf =
    (name: string, expected: string) =>
    (response: Response, body: string): true | string => {
      const issuer = json(body).issuer;
      if (response.ok && issuer === expected) return true;
      return typeof issuer === 'string'
        ? `another ${name} answered there (issuer ${JSON.stringify(issuer)})`
        : `another server answered there (HTTP ${response.status})`;
    };
  const page =
    (title: string) =>
    (response: Response, body: string): true | string =>
      response.status === 200 && body.includes(title) ? true : `another server answered there (HTTP ${response.status})`;
  const demo = (key: 'dpiUrl' | 'dmpUrl' | 'nationalUrl', port: number, name: string, title: string, why: string): Probe => ({
    key: `sandbox.${key}`,
    env: `SANDBOX_${name}_URL`,
    url: sandbox[key],
    fetch: `${sandbox[key]}/`,
    why,
    listens: `${sandbox.host}:${port} (SANDBOX_HOST, SANDBOX_${name}_PORT)`,
    recognise: page(title),
  });
  await checkReachable([
    {
      key: 'issuer',
      env: 'ISSUER',
      url: config.issuer,
      fetch: `${config.issuer}/.well-known/openid-configuration`,
      why: 'the demo applications discover the gateway there',
      listens: `${config.http.host}:${config.http.port} (HOST, PORT)`,
      recognise: issuerOf('gateway', config.issuer),
    },
    {
      key: 'sandbox.pscUrl',
      env: 'SANDBOX_PSC_URL',
      url: sandbox.pscUrl,
      fetch: `${config.psc.issuer}/.well-known/openid-configuration`,
      why: 'the gateway signs clinicians in through it there',
      listens: `${sandbox.host}:${sandbox.pscPort} (SANDBOX_HOST, SANDBOX_PSC_PORT)`,
      recognise: issuerOf('PSC', config.psc.issuer),
    },
    demo('dpiUrl', sandbox.dpiPort, 'DPI', DPI_TITLE, 'the gateway sends it back-channel logouts there'),
    demo('dmpUrl', sandbox.dmpPort, 'DMP', DMP_TITLE, 'the gateway fetches its keys there'),
    demo('nationalUrl', sandbox.nationalPort, 'NATIONAL', NATIONAL_TITLE, 'the PSC simulator sends clinicians back there'),
  ]);
}
