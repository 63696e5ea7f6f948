/**
 * oidc-provider refuses outbound requests to loopback and private addresses (SSRF guard).
 * Hospital applications live on private networks, so the hosts that operators registered
 * in clients.json for back-channel logout and client keys (jwks_uri) are exempted — and
 * only those: no relying party can register itself, so no request can be steered elsewhere.
 */
import type { ClientMetadata } from './clients.ts';

export function registeredHosts(clients: ClientMetadata[]): Set<string> {
  const hosts = new Set<string>();
  for (const c of clients) {
    for (const key of ['backchannel_logout_uri', 'jwks_uri'] as const) {
      const value = c[key];
      if (typeof value === 'string') hosts.add(new URL(value).host);
    }
  }
  return hosts;
}

export function outboundFetch(allowedHosts: Set<string>) {
  return (url: URL | string, options: RequestInit & { dispatcher?: unknown }) => {
    if (allowedHosts.has(new URL(url).host)) delete options.dispatcher;
    return globalThis.fetch(url, options);
  };
}
