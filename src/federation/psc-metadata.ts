/**
 * PSC's server metadata, as an openid-client Configuration: from PSC's non-standard
 * discovery path (`wallet`), the standard one, or entirely by hand (`manual`); endpoints
 * set in psc.metadata override discovered ones (PSC's authorization endpoint is on another
 * host). The discovered `issuer` must equal the configured one. Cached for an hour; a failed
 * discovery is not cached, so the next login tries again.
 */
import * as client from 'openid-client';
import type { Config } from '../config/index.ts';
import { FederationError, classifyUpstreamError } from './errors.ts';

const CACHE_MS = 60 * 60 * 1000;

export interface PscConfigurationSource {
  get(): Promise<client.Configuration>;
}

export function discoveryUrl(psc: Config['psc']): string {
  const name = psc.discovery === 'wallet' ? 'wallet-openid-configuration' : 'openid-configuration';
  return `${psc.issuer.replace(/\/$/, '')}/.well-known/${name}`;
}

export function createPscConfigurationSource(psc: Config['psc'], options: { allowHttp: boolean }): PscConfigurationSource {
  let cached: { config: client.Configuration; at: number } | undefined;

  async function fetchMetadata(): Promise<client.ServerMetadata> {
    if (psc.discovery === 'manual') {
      if (!psc.metadata) throw new FederationError('unavailable', 'psc.discovery is "manual" but psc.metadata is not set');
      return { issuer: psc.issuer, ...psc.metadata };
    }
    const url = discoveryUrl(psc);
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(psc.timeoutMs), headers: { accept: 'application/json' }, redirect: 'error' });
    } catch (cause) {
      throw new FederationError('unavailable', `discovery ${url} failed: ${(cause as Error).message}`, { cause });
    }
    if (!response.ok) throw new FederationError(response.status >= 500 ? 'unavailable' : 'invalid-response', `discovery ${url} answered HTTP ${response.status}`);
    let metadata: client.ServerMetadata;
    try {
      metadata = (await response.json()) as client.ServerMetadata;
    } catch (cause) {
      throw new FederationError('invalid-response', `discovery ${url} is not JSON`, { cause });
    }
    if (metadata.issuer !== psc.issuer) {
      throw new FederationError('invalid-response', `discovery ${url} names issuer ${JSON.stringify(metadata.issuer)}, expected ${JSON.stringify(psc.issuer)}`);
    }
    return { ...metadata, ...psc.metadata };
  }

  return {
    async get() {
      if (cached && Date.now() - cached.at < CACHE_MS) return cached.config;
      const metadata = await fetchMetadata().catch((err: unknown) => {
        if (err instanceof FederationError) throw err;
        throw new FederationError(classifyUpstreamError(err), `discovery failed: ${(err as Error).message}`, { cause: err });
      });
      const auth = psc.authMethod === 'client_secret_post' ? client.ClientSecretPost(psc.clientSecret) : client.ClientSecretBasic(psc.clientSecret);
      const config = new client.Configuration(metadata, psc.clientId, { client_secret: psc.clientSecret }, auth);
      config.timeout = psc.timeoutMs / 1000;
      // openid-client skips the ID token signature check over TLS unless asked: we want it.
      client.enableNonRepudiationChecks(config);
      if (options.allowHttp) client.allowInsecureRequests(config);
      cached = { config, at: Date.now() };
      return config;
    },
  };
}
