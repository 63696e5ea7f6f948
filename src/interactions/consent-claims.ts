/**
 * consentClaims: every claim the application will receive if the clinician allows it — the
 * claims of the scopes asked and those asked through `claims`, within the client's scopes.
 */
import type { Client } from 'oidc-provider';
import { CLAIMS, DELEGATION_ONLY_CLAIMS } from '../oidc/claims-config.ts';
import { gatewayProperties } from '../oidc/client-properties.ts';
import { claimsAllowed } from '../oidc/claims-allowed.ts';

/** Page order: about the sign-in, then the person, then the professional data. */
const ORDER: readonly string[] = [...CLAIMS.openid, 'sid', ...CLAIMS.profile, ...CLAIMS.scope_all];
const SCOPE_CLAIMS: Record<string, readonly string[] | null> = CLAIMS;
/** `iss` is the gateway's own address, nothing about the clinician. */
const NOT_LISTED = new Set(['iss']);

export interface ConsentClaims {
  /** Claim names, each with a `consent.claim.<name>` message in views/locales. */
  claims: string[];
  /** `offline_access` asked: the application keeps access through refresh tokens. */
  offlineAccess: boolean;
}

/**
 * @param params the interaction's authorization parameters (`scope`, `claims` as sent, already
 *   checked by oidc-provider: scopes within the client's registered ones, `claims` valid JSON).
 * @param client the application; its registered `scope` bounds what it may receive
 *   (claims-allowed.ts), its back-channel logout settings whether it gets `sid`.
 */
export function consentClaims(params: { scope?: unknown; claims?: unknown }, client: Client | undefined): ConsentClaims {
  const allowed = claimsAllowed(client?.scope);
  const scopes = typeof params.scope === 'string' ? params.scope.split(' ') : [];
  const listed = new Set<string>();
  for (const scope of scopes) {
    for (const claim of (Object.hasOwn(SCOPE_CLAIMS, scope) ? SCOPE_CLAIMS[scope] : null) ?? []) listed.add(claim);
  }
  for (const claim of askedThroughClaims(params.claims)) listed.add(claim);
  if ((client as { includeSid?: () => unknown } | undefined)?.includeSid?.()) listed.add('sid');
  const delegating = gatewayProperties(client).psc_delegation;
  const claims = [...listed].filter((c) => allowed.has(c) && !NOT_LISTED.has(c) && (delegating || !DELEGATION_ONLY_CLAIMS.has(c)));
  const rank = (c: string) => (ORDER.includes(c) ? ORDER.indexOf(c) : ORDER.length);
  return { claims: claims.sort((a, b) => rank(a) - rank(b)), offlineAccess: scopes.includes('offline_access') };
}

function askedThroughClaims(claims: unknown): string[] {
  if (typeof claims !== 'string') return [];
  try {
    const parsed = JSON.parse(claims) as { userinfo?: unknown; id_token?: unknown };
    return [parsed.userinfo, parsed.id_token].flatMap((member) => (member && typeof member === 'object' ? Object.keys(member) : []));
  } catch {
    return [];
  }
}
