/**
 * Which claims each scope releases. `scope_all` is PSC's scope for the professional claims,
 * so a relying party can move from PSC to the gateway without change. `acr`, `amr` and
 * `auth_time` belong to `openid`, so every ID token carries them.
 */
export const PSC_PROFESSIONAL_CLAIMS = [
  'SubjectNameID',
  'SubjectRefPro',
  'SubjectOrganization',
  'SubjectOrganizationID',
  'SubjectRole',
  'otherIds',
  'psc_verified_at',
] as const;

export const CLAIMS = {
  sid: null,
  /**
   * acr, amr and auth_time ride with `openid` so that every ID token carries them; `oid` and
   * `tid` too, given only to the PSC delegation client (accounts/claims.ts delegationClaims).
   */
  openid: ['sub', 'acr', 'amr', 'auth_time', 'oid', 'tid'],
  profile: ['given_name', 'family_name', 'name', 'preferred_username', 'updated_at'],
  scope_all: [...PSC_PROFESSIONAL_CLAIMS],
};

/** Claims only the PSC delegation client receives (oidc/delegation-claims.ts): never listed to anyone else. */
export const DELEGATION_ONLY_CLAIMS: ReadonlySet<string> = new Set(['oid', 'tid']);

export const SCOPES = ['openid', 'profile', 'scope_all', 'offline_access'];
