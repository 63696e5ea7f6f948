/**
 * Which claims each scope releases. `scope_all` is PSC's scope for the professional claims,
 * so a relying party can move from PSC to the gateway without change. `acr`, `amr` and
 * `auth_time` are stand-alone claims, always in the ID token.
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
  acr: null,
  amr: null,
  auth_time: null,
  sid: null,
  openid: ['sub'],
  profile: ['given_name', 'family_name', 'name', 'preferred_username', 'updated_at'],
  scope_all: [...PSC_PROFESSIONAL_CLAIMS],
};

export const SCOPES = ['openid', 'profile', 'scope_all', 'offline_access'];
