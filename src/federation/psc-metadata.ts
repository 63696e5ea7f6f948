/**
 * PSC's server metadata, as an openid-client Configuration: from PSC's non-standard
 * discovery path (`wallet`), the standard one, or entirely by hand (`manual`); endpoints
 * set in psc.metadata override discovered ones (PSC's authorization endpoint is on another
 * host). The discovered `issuer` must equal the configured one. Cached for an hour; a failed
 * discovery is not cached, so the next login tries again. The client authenticates with its
 * secret or, with tls_client_auth, its certificate: PSC's mtls_endpoint_aliases are then used
 * (except for endpoints set by hand), and every request goes through `options.fetch`.
 */
import * as client from 'openid-client';
import type { Config } from '../config/index.ts';
import { FederationError, classifyUpstreamError, upstreamDetail } from './errors.ts';
import type { PscFetchFunction } from './psc-mtls.ts';

const CACHE_MS = 60 * 60 * 1000;

export interface PscConfigurationSource {
  get(): Promise<client.Configuration>;
}

export function discoveryUrl(psc: Config['psc']): string {
  const name = psc.discovery === 'wallet' ? 'wallet-openid-configuration' : 'openid-configuration';
  return `${psc.issuer.replace(/\/$/, '')}/.well-known/${name}`;
}

export interface PscConfigurationSourceOptions {
  /** Let openid-client call PSC over http (the simulator outside production). */
  allowHttp: boolean;
  /** Fetch for every request to PSC, discovery included (psc-mtls.ts); default: the global fetch. */
  fetch?: PscFetchFunction;
}

export function createPscConfigurationSource(psc: Config['psc'], options: PscConfigurationSourceOptions): PscConfigurationSource {
  const pscFetch: PscFetchFunction = options.fetch ?? ((url, init) => fetch(url, init as RequestInit));
  let cached: { config: client.Configuration; at: number } | undefined;

  async function fetchMetadata(): Promise<client.ServerMetadata> {
    if (psc.discovery === 'manual') {
      if (!psc.metadata) throw new FederationError('unavailable', 'psc.discovery is "manual" but psc.metadata is not set');
      return { issuer: psc.issuer, ...psc.metadata };
    }
    const url = discoveryUrl(psc);
    let response: Response;
    try {
      response = await pscFetch(url, { signal: AbortSignal.timeout(psc.timeoutMs), headers: { accept: 'application/json' }, redirect: 'error' });
    } catch (cause) {
      throw new FederationError('unavailable', `discovery ${url} failed: ${upstreamDetail(cause)}`, { cause });
    }
    if (!response.ok)
      throw new FederationError(response.status >= 500 ? 'unavailable' : 'invalid-response', `discovery ${url} answered HTTP ${response.status}`);
    let metadata: client.ServerMetadata;
    try {
      metadata = (await response.json()) as client.ServerMetadata;
    } catch (cause) {
      throw new FederationError('invalid-response', `discovery ${url} is not JSON`, { cause });
    }
    if (metadata.issuer !== psc.issuer) {
      throw new FederationError('invalid-response', `discovery ${url} names issuer ${JSON.stringify(metadata.issuer)}, expected ${JSON.stringify(psc.issuer)}`);
    }
    return withOverrides(metadata, psc.metadata);
  }

  return {
    async get() {
      if (cached && Date.now() - cached.at < CACHE_MS) return cached.config;
      const metadata = await fetchMetadata().catch((err: unknown) => {
        if (err instanceof FederationError) throw err;
        throw new FederationError(classifyUpstreamError(err), `discovery failed: ${upstreamDetail(err)}`, { cause: err });
      });
      const config = new client.Configuration(metadata, psc.clientId, clientMetadata(psc, metadata), clientAuth(psc));
      config.timeout = psc.timeoutMs / 1000;
      if (options.fetch) config[client.customFetch] = options.fetch;
      // openid-client skips the ID token signature check over TLS unless asked: we want it.
      client.enableNonRepudiationChecks(config);
      if (options.allowHttp) client.allowInsecureRequests(config);
      cached = { config, at: Date.now() };
      return config;
    },
  };
}

function clientAuth(psc: Config['psc']): client.ClientAuth {
  switch (psc.authMethod) {
    case 'tls_client_auth':
      return client.TlsClientAuth();
    case 'client_secret_post':
      return client.ClientSecretPost(psc.clientSecret);
    case 'client_secret_basic':
      return client.ClientSecretBasic(psc.clientSecret);
  }
}

function clientMetadata(psc: Config['psc'], metadata: client.ServerMetadata): Partial<client.ClientMetadata> {
  if (psc.authMethod !== 'tls_client_auth') return { client_secret: psc.clientSecret };
  // RFC 8705 §5: a client authenticating with its certificate uses the aliases PSC publishes.
  return metadata.mtls_endpoint_aliases ? { use_mtls_endpoint_aliases: true } : {};
}

/** Discovered metadata with the endpoints set by hand; an endpoint set by hand also replaces its mTLS alias. */
function withOverrides(discovered: client.ServerMetadata, overrides: Config['psc']['metadata']): client.ServerMetadata {
  if (!discovered.mtls_endpoint_aliases || !overrides) return { ...discovered, ...overrides };
  const aliases = Object.fromEntries(
    Object.entries(discovered.mtls_endpoint_aliases).filter(([name]) => (overrides as Record<string, unknown>)[name] === undefined),
  );
  return { ...discovered, ...overrides, mtls_endpoint_aliases: aliases };
}
