/**
 * The origins a form on the gateway's pages may lead to (CSP form-action; Chromium applies it
 * to the redirects after a form post): PSC's issuer and configured authorization endpoint, the
 * relying parties' redirect and post-logout URIs, and PSC's discovered authorization endpoint
 * (often another host), learned at the first successful discovery.
 */
import type * as client from 'openid-client';
import type { Config } from '../config/index.ts';
import type { PscConfigurationSource } from '../federation/index.ts';

export interface FormActionOrigins {
  origins(): Iterable<string>;
  /** The PSC configuration source, which adds the discovered authorization endpoint's origin. */
  learning(source: PscConfigurationSource): PscConfigurationSource;
}

/** A registered client's metadata (oidc/clients.ts's ClientMetadata): its redirect and post-logout URIs are read. */
type ClientUris = Record<string, unknown>;

export function createFormActionOrigins(psc: Config['psc'], clients: readonly ClientUris[]): FormActionOrigins {
  const origins = new Set<string>([new URL(psc.issuer).origin]);
  if (psc.metadata) origins.add(new URL(psc.metadata.authorization_endpoint).origin);
  for (const c of clients) {
    for (const uri of [...((c.redirect_uris as string[]) ?? []), ...((c.post_logout_redirect_uris as string[]) ?? [])]) origins.add(new URL(uri).origin);
  }
  return {
    origins: () => origins,
    learning: (source) => ({
      async get(): Promise<client.Configuration> {
        const cfg = await source.get();
        const endpoint = cfg.serverMetadata().authorization_endpoint;
        if (endpoint) origins.add(new URL(endpoint).origin);
        return cfg;
      },
    }),
  };
}
