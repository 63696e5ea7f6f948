/**
 * Builds the claims PSC releases for a practitioner (ID token and userinfo), in PSC's
 * exact shape: see the sandbox card example in reference/psc.md.
 */
import type { Practitioner, PscExercice } from './practitioners.ts';

/** OID of the profession code system (TRE_G15) as PSC appends it to SubjectRole. */
export const PROFESSION_OID = '1.2.250.1.213.1.1.5.5';

/** Claim names released with the `scope_all` scope (oidc-provider `claims` configuration). */
export const SCOPE_ALL_CLAIMS = [
  'SubjectNameID',
  'preferred_username',
  'given_name',
  'family_name',
  'email',
  'email_verified',
  'authMode',
  'SubjectOrganization',
  'SubjectOrganizationID',
  'SubjectRole',
  'Secteur_Activite',
  'otherIds',
  'SubjectRefPro',
] as const;

export interface PscClaims {
  sub: string;
  SubjectNameID: string;
  preferred_username: string;
  given_name: string;
  family_name: string;
  email?: string;
  email_verified?: boolean;
  authMode?: string;
  SubjectOrganization: string;
  SubjectOrganizationID: string;
  SubjectRole: string[];
  Secteur_Activite: string;
  otherIds: Practitioner['otherIds'];
  SubjectRefPro: { codeCivilite: string; exercices: PscExercice[] };
}

/** PSC's subject: `f:<uuid>:<idNat>`. */
export function pscSubject(practitioner: Pick<Practitioner, 'uuid' | 'idNat'>): string {
  return `f:${practitioner.uuid}:${practitioner.idNat}`;
}

/** All claims for one practitioner; `authMode` is left out when undefined (tester option). */
export function pscClaims(practitioner: Practitioner, authMode: string | undefined): PscClaims {
  const roles = [...new Set(practitioner.SubjectRefPro.exercices.map((e) => `${e.codeProfession}^${PROFESSION_OID}`))];
  const claims: PscClaims = {
    sub: pscSubject(practitioner),
    SubjectNameID: practitioner.idNat,
    preferred_username: practitioner.idNat,
    given_name: practitioner.given_name,
    family_name: practitioner.family_name,
    SubjectOrganization: practitioner.SubjectOrganization,
    SubjectOrganizationID: practitioner.SubjectOrganizationID,
    SubjectRole: roles,
    Secteur_Activite: practitioner.Secteur_Activite,
    otherIds: structuredClone(practitioner.otherIds),
    SubjectRefPro: structuredClone(practitioner.SubjectRefPro),
  };
  if (authMode !== undefined) claims.authMode = authMode;
  if (practitioner.email !== undefined) {
    claims.email = practitioner.email;
    claims.email_verified = true;
  }
  return claims;
}
