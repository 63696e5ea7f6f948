/**
 * Every request to PSC when psc.tls applies (openid-client's customFetch, and discovery): undici's
 * fetch over an Agent that presents the client certificate (RFC 8705) and trusts psc.tls.caFile.
 */
import { Agent, EnvHttpProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici';
import type { CustomFetchOptions } from 'openid-client';
import type { PscTlsMaterial } from './psc-tls-files.ts';

/** A Fetch API function, as openid-client's customFetch expects (it is one) and discovery calls it. */
export type PscFetchFunction = (url: string, init: RequestInit | CustomFetchOptions) => Promise<Response>;

/** close() drops the pooled connections. */
export interface PscFetch extends PscFetchFunction {
  close(): Promise<void>;
}

export function createPscFetch(material: PscTlsMaterial, env: NodeJS.ProcessEnv = process.env): PscFetch {
  const tls = { ...material.client?.tlsOptions(), ...(material.ca ? { ca: material.ca } : {}) };
  // Node's own fetch goes through HTTPS_PROXY (minus NO_PROXY) when NODE_USE_ENV_PROXY=1: so do
  // these requests, the certificate then presented to PSC inside the CONNECT tunnel (requestTls).
  const agent: Dispatcher =
    env.NODE_USE_ENV_PROXY === '1'
      ? new EnvHttpProxyAgent({
          connect: tls,
          requestTls: tls,
          httpProxy: env.HTTP_PROXY ?? env.http_proxy,
          httpsProxy: env.HTTPS_PROXY ?? env.https_proxy,
          noProxy: env.NO_PROXY ?? env.no_proxy,
        })
      : new Agent({ connect: tls });
  // The caller's AbortSignal (psc.timeoutMs) still bounds each request. undici's Response is a
  // Fetch API Response (openid-client checks its shape, not its class).
  const pscFetch: PscFetchFunction = (url, init) =>
    undiciFetch(url, { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher: agent }) as unknown as Promise<Response>;
  return Object.assign(pscFetch, { close: () => agent.close() });
}
