/**
 * startPscSimulator: listens first (so port 0 works), builds the issuer from the real port (or
 * from the public `url` it is reached at, when given), then creates the provider and the express
 * app behind the already-listening server. With `tls` it serves HTTPS and accepts
 * tls_client_auth clients (mutual TLS, as PSC's "Espace de Confiance" requires).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createPscApp } from './app.ts';
import type { PscFaults } from './faults.ts';
import { closeAll, listen, type ListenTls } from './listen.ts';
import { silentLogger, type SimulatorLogger } from './logger.ts';
import { ISSUER_PATH } from './paths.ts';
import { loadPractitioners, DEFAULT_PRACTITIONERS_FILE } from './practitioners.ts';
import { createPscProvider, type PscClient, type PscSessionLifetimes } from './provider.ts';
import { generateSigningKey } from './signing-key.ts';
import type { PscDelegationOptions } from './delegation/options.ts';

export interface PscSimulatorOptions {
  /** Port to listen on (0 = any free port). */
  port: number;
  /** Host to bind (default 'localhost'). */
  host?: string;
  /**
   * The URL people and the gateway reach it at (an origin; the issuer is this plus the realm
   * path), when it is not http(s)://<host>:<port> — behind a port mapping or a proxy.
   */
  url?: string;
  /** Relying parties allowed to use the simulator (the gateway). */
  clients: PscClient[];
  /**
   * Serve HTTPS (PEM contents): the server certificate and key, and the CA whose client
   * certificates tls_client_auth accepts. Needed for clients registered with tls_client_auth.
   */
  tls?: ListenTls;
  /** Practitioner fixture file (default config/sandbox/psc-practitioners.json). */
  practitionersFile?: string;
  /** Delegation to an establishment's identity provider (the gateway): "PSC sans couture". */
  delegation?: PscDelegationOptions;
  /** SSO session lifetimes (default PSC's: 30 min idle, 4 h at most). */
  session?: PscSessionLifetimes;
  /** pino-compatible logger (optional). */
  logger?: { info(...a: unknown[]): void; warn(...a: unknown[]): void; error(...a: unknown[]): void };
}

export interface PscSimulator {
  /** Base URL, e.g. http://localhost:3001 (https with `tls`) */
  url: string;
  /** Issuer, `${url}/auth/realms/esante-wallet` */
  issuer: string;
  /** Mutable fault injection used by the gateway's negative tests (reset with {}). */
  faults: PscFaults;
  close(): Promise<void>;
}

/** Host name to put in URLs: a wildcard bind address is reached as localhost. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

function checkClients(clients: readonly PscClient[], tls: boolean): void {
  if (!Array.isArray(clients) || clients.length === 0) {
    throw new TypeError('PSC simulator: options.clients: expected at least one client { client_id, client_secret, redirect_uris }, received none');
  }
  for (const [i, c] of clients.entries()) {
    if (!c.client_id || !Array.isArray(c.redirect_uris) || c.redirect_uris.length === 0) {
      throw new TypeError(`PSC simulator: options.clients[${i}]: expected client_id and a non-empty redirect_uris`);
    }
    if (c.token_endpoint_auth_method === 'tls_client_auth') {
      if (!c.tls_client_auth_subject_dn)
        throw new TypeError(
          `PSC simulator: options.clients[${i}]: tls_client_auth needs tls_client_auth_subject_dn (the certificate's subject DN, e.g. "CN=hospiconnect,O=CH,C=FR")`,
        );
      if (!tls)
        throw new TypeError(
          `PSC simulator: options.clients[${i}]: tls_client_auth needs options.tls (the simulator must serve HTTPS to see client certificates)`,
        );
    } else if (!c.client_secret) {
      throw new TypeError(`PSC simulator: options.clients[${i}]: expected a client_secret (or token_endpoint_auth_method "tls_client_auth")`);
    }
  }
}

export async function startPscSimulator(options: PscSimulatorOptions): Promise<PscSimulator> {
  const logger: SimulatorLogger = options.logger ?? silentLogger;
  const host = options.host ?? 'localhost';
  checkClients(options.clients, Boolean(options.tls));
  const practitioners = await loadPractitioners(options.practitionersFile ?? DEFAULT_PRACTITIONERS_FILE);
  const signingKey = await generateSigningKey();

  // The server must exist before the issuer is known (port 0): requests that arrive before
  // the app is ready get a 503.
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const { port, servers } = await listen(
    (req, res) => {
      if (handler) return handler(req, res);
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '1' }).end('Simulateur PSC en cours de démarrage');
    },
    options.port,
    host,
    options.tls,
  );

  const url = options.url?.replace(/\/$/, '') ?? `${options.tls ? 'https' : 'http'}://${urlHost(host)}:${port}`;
  const issuer = `${url}${ISSUER_PATH}`;
  let faults: PscFaults = {};
  try {
    const provider = createPscProvider({
      issuer,
      clients: options.clients,
      practitioners,
      signingKey,
      faults: () => faults,
      logger,
      mtls: Boolean(options.tls),
      delegation: Boolean(options.delegation),
      ...(options.session ? { session: options.session } : {}),
    });
    handler = createPscApp({ provider, issuer, practitioners, logger, delegation: options.delegation });
  } catch (err) {
    await closeAll(servers);
    throw err;
  }
  logger.info({ url, issuer, practitioners: practitioners.length, clients: options.clients.map((c) => c.client_id) }, 'PSC simulator listening');

  let closed: Promise<void> | undefined;
  return {
    url,
    issuer,
    get faults() {
      return faults;
    },
    set faults(value: PscFaults) {
      faults = value ?? {};
    },
    close() {
      closed ??= closeAll(servers);
      return closed;
    },
  };
}
