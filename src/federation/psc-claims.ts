/**
 * Turns PSC's ID token and userinfo into a PscLogin. Checks what the gateway relies on:
 * an idNat of letters and digits, the same person in `sub` (`f:<uuid>:<idNat>`) and
 * `SubjectNameID`, list-shaped lists. Everything else of PSC's shape is kept as PSC sent it.
 */
import { z } from 'zod';
import { ID_NAT_PATTERN, type PscLogin } from '../accounts/index.ts';
import { FederationError } from './errors.ts';

const userinfoSchema = z.looseObject({
  sub: z.string().min(1).max(200),
  SubjectNameID: z.string().regex(ID_NAT_PATTERN).optional(),
  preferred_username: z.string().optional(),
  given_name: z.string().max(200).optional(),
  family_name: z.string().max(200).optional(),
  email: z.string().max(320).optional(),
  authMode: z.string().max(64).nullish(),
  SubjectRefPro: z.looseObject({ exercices: z.array(z.looseObject({})).optional() }).optional(),
  SubjectOrganization: z.string().max(500).optional(),
  SubjectOrganizationID: z.string().max(100).optional(),
  SubjectRole: z.array(z.string().max(200)).optional(),
  Secteur_Activite: z.string().max(200).optional(),
  otherIds: z.array(z.looseObject({})).optional(),
});

export function pscLoginFromClaims(idToken: Record<string, unknown>, userinfo: unknown): { login: PscLogin; authMode: string | null; acr: string | null } {
  const parsed = userinfoSchema.safeParse(userinfo);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new FederationError('invalid-claims', `userinfo.${first.path.join('.')}: ${first.message}`);
  }
  const info = parsed.data;
  const idNat = info.SubjectNameID ?? (ID_NAT_PATTERN.test(info.preferred_username ?? '') ? info.preferred_username : undefined);
  if (!idNat) throw new FederationError('invalid-claims', 'userinfo has neither SubjectNameID nor a usable preferred_username');
  const subIdNat = /^f:[^:]+:(.+)$/.exec(info.sub)?.[1];
  if (subIdNat !== undefined && subIdNat !== idNat) {
    throw new FederationError('invalid-claims', `sub names ${JSON.stringify(subIdNat)} but SubjectNameID is ${JSON.stringify(idNat)}`);
  }
  const authMode = typeof info.authMode === 'string' ? info.authMode : typeof idToken.authMode === 'string' ? idToken.authMode : null;
  const acr = typeof idToken.acr === 'string' ? idToken.acr : null;
  return {
    authMode,
    acr,
    login: {
      pscSub: info.sub,
      authMode,
      acr,
      profile: {
        SubjectNameID: idNat,
        given_name: info.given_name,
        family_name: info.family_name,
        email: info.email,
        SubjectRefPro: info.SubjectRefPro,
        SubjectOrganization: info.SubjectOrganization,
        SubjectOrganizationID: info.SubjectOrganizationID,
        SubjectRole: info.SubjectRole,
        Secteur_Activite: info.Secteur_Activite,
        otherIds: info.otherIds,
      },
    },
  };
}
