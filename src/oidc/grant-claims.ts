/**
 * grantClaims: records in a Grant the claims asked through the `claims` parameter — granted
 * when the client's registered scopes cover them, withheld (rejected) otherwise.
 */
import type { Grant } from 'oidc-provider';

/**
 * A withheld claim is recorded as rejected so that oidc-provider neither releases it (its
 * filter drops rejected claims) nor asks for consent again (rejected counts as decided). A
 * claim the registration now allows loses an earlier rejection, so a widened registration
 * applies at once. Returns whether the grant changed (and needs saving).
 *
 * @param asked the claim names asked (oidc-provider's `requestParamClaims`, or a consent
 *   prompt's `missingOIDCClaims`); pass only the ones outside `allowed` to withhold without granting.
 * @param allowed what the client may receive (claims-allowed.ts).
 */
export function grantClaims(grant: Grant, asked: Iterable<string>, allowed: ReadonlySet<string>): boolean {
  const granted = new Set(grant.getOIDCClaims());
  const rejected = new Set(grant.getRejectedOIDCClaims());
  const toGrant: string[] = [];
  const toWithhold: string[] = [];
  for (const claim of asked) {
    if (allowed.has(claim)) {
      if (!granted.has(claim)) toGrant.push(claim); // getOIDCClaims leaves rejected ones out
    } else if (!rejected.has(claim)) {
      toWithhold.push(claim);
    }
  }
  if (!toGrant.length && !toWithhold.length) return false;
  if (toGrant.length) {
    grant.addOIDCClaims(toGrant);
    const stillRejected = [...rejected].filter((c) => !toGrant.includes(c));
    if (grant.rejected?.openid && stillRejected.length !== rejected.size) grant.rejected.openid.claims = stillRejected;
  }
  if (toWithhold.length) grant.rejectOIDCClaims(toWithhold);
  return true;
}
