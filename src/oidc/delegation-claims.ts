/**
 * What the gateway tells Pro Santé Connect about a clinician when PSC delegates a sign-in to
 * it (a client with `psc_delegation`), as the ANS's "FI tiers" contract and the published
 * Entra ID / Okta integrations do: a pairwise `sub` that reveals nothing (not the idNat), `oid`
 * — the clinician's immutable local identifier, PSC's pairing pivot — and `tid`, the
 * establishment's identifier from configuration (delegation.tenantId). acr, amr and auth_time
 * come from the sign-in itself. Other clients get none of these.
 */
import { createHash } from 'node:crypto';
import type { Client, KoaContextWithOIDC } from 'oidc-provider';
import type { AccountRepository } from '../accounts/index.ts';
import { ConfigError } from '../config/index.ts';
import { gatewayProperties } from './client-properties.ts';
import type { ClientMetadata } from './clients.ts';

/** The `oid` and `tid` claims for the delegation client; none for any other. */
export async function delegationClaims(
  accounts: AccountRepository,
  tenantId: string | undefined,
  client: Client | undefined,
  idNat: string,
): Promise<{ oid?: string; tid?: string }> {
  if (!gatewayProperties(client).psc_delegation || tenantId === undefined) return {};
  return { oid: await accounts.localId(idNat), tid: tenantId };
}

/**
 * oidc-provider `pairwiseIdentifier`: SHA-256 of the client's sector (its redirect host) and
 * the clinician's local identifier. Stable for one sector, different for another, and it
 * carries neither the idNat nor anything a reader could reverse (the local id is random).
 */
export function pairwiseSubject(accounts: AccountRepository) {
  return async (_ctx: KoaContextWithOIDC, accountId: string, client: Client): Promise<string> => {
    const sector = (client as unknown as { sectorIdentifier?: string }).sectorIdentifier ?? client.clientId;
    const localId = await accounts.localId(accountId);
    return createHash('sha256').update(`${sector}\0${localId}`).digest('base64url');
  };
}

/** A delegation client needs the establishment's identifier: refused at start-up without it. */
export function checkDelegationTenant(clients: readonly ClientMetadata[], tenantId: string | undefined): void {
  const delegating = clients.find((c) => c.psc_delegation === true);
  if (delegating && tenantId === undefined) {
    throw new ConfigError([
      {
        key: 'delegation.tenantId',
        env: 'DELEGATION_TENANT_ID',
        received: '(missing)',
        expected: `the establishment's identifier sent to Pro Santé Connect as "tid" (client ${delegating.client_id} has "psc_delegation": true), e.g. FINESS-750712184`,
      },
    ]);
  }
}
