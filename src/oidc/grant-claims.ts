/**
 * grantClaims: records in a Grant the claims asked through the `claims` parameter — granted
 * when the client's registered scopes cover them, withheld (rejected) otherwise.
 */
import type { Grant } from 'oidc-provider';

export interface GrantClaimsOptions {
  /** What the client may receive (claims-allowed.ts). */
  allowed: ReadonlySet<string>;
  /**
   * false: only withhold, and grant nothing — for a third-party client before the clinician's
   * consent (a lifted rejection then makes oidc-provider ask for that claim on the consent page).
   */
  grant: boolean;
}

/**
 * A withheld claim is recorded as rejected so that oidc-provider neither releases it (its
 * filter drops rejected claims) nor asks for consent again (rejected counts as decided). A
 * claim the registration now allows loses an earlier rejection, so a widened registration
 * applies at once. Returns whether the grant changed (and needs saving).
 *
 * @param asked the claim names asked (oidc-provider's `requestParamClaims`, or a consent
 *   prompt's `missingOIDCClaims`).
 */
export function grantClaims(grant: Grant, asked: Iterable<string>, options: GrantClaimsOptions): boolean {
  const granted = new Set(grant.getOIDCClaims()); // rejected ones left out
  const rejected = new Set(grant.getRejectedOIDCClaims());
  const toGrant: string[] = [];
  const toLift: string[] = [];
  const toWithhold: string[] = [];
  for (const claim of asked) {
    if (!options.allowed.has(claim)) {
      if (!rejected.has(claim)) toWithhold.push(claim);
      continue;
    }
    if (rejected.has(claim)) toLift.push(claim);
    if (options.grant && !granted.has(claim)) toGrant.push(claim);
  }
  if (toLift.length && grant.rejected?.openid?.claims) {
    grant.rejected.openid.claims = grant.rejected.openid.claims.filter((c) => !toLift.includes(c));
  }
  if (toGrant.length) grant.addOIDCClaims(toGrant);
  if (toWithhold.length) grant.rejectOIDCClaims(toWithhold);
  return toGrant.length + toLift.length + toWithhold.length > 0;
}
