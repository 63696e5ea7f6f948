/**
 * Where an application's error pages send the person back to: its registered home page
 * (`client_uri`), else its first `post_logout_redirect_uri` (a page the browser may open
 * without parameters), else no address, only its name. Always registered addresses, never
 * one taken from the request: a refused redirect_uri is never offered.
 */
import type { Client } from 'oidc-provider';
import type { BackLink } from '../http/back-link.ts';

interface ClientAddresses {
  clientId: string;
  clientName?: string;
  clientUri?: string;
  postLogoutRedirectUris?: string[];
}

export function backLinkOfClient(client: Client | undefined): BackLink | undefined {
  if (!client) return undefined;
  const c = client as unknown as ClientAddresses;
  const url = c.clientUri ?? c.postLogoutRedirectUris?.[0];
  return { name: c.clientName ?? c.clientId, ...(url ? { url } : {}) };
}
