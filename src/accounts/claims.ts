/**
 * The OpenID claims of an account. oidc-provider filters them by scope (oidc/claims-config.ts):
 * `profile` releases names, `scope_all` the PSC professional claims.
 */
import type { PractitionerAccount } from './practitioner.ts';

export function accountClaims(account: PractitionerAccount): Record<string, unknown> {
  const p = account.profile;
  return {
    sub: account.idNat,
    given_name: p.given_name,
    family_name: p.family_name,
    name: [p.given_name, p.family_name].filter(Boolean).join(' ') || undefined,
    preferred_username: account.idNat,
    updated_at: Math.floor(account.updatedAt / 1000),
    SubjectNameID: p.SubjectNameID,
    SubjectRefPro: p.SubjectRefPro,
    SubjectOrganization: p.SubjectOrganization,
    SubjectOrganizationID: p.SubjectOrganizationID,
    SubjectRole: p.SubjectRole,
    otherIds: p.otherIds,
    psc_verified_at: Math.floor(account.pscVerifiedAt / 1000),
  };
}
