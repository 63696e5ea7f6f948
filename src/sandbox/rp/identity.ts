/**
 * Reads the professional identity out of the gateway's claims for display: name (« Lucie
 * TESTPETIT »: the first name as written, the family name in capitals),
 * professions (TRE_G15 codes) and establishments (FINESS), as a DPI would show them.
 */
import { PROFESSIONS } from '../../accounts/professions.ts';
import { firstNameForGreeting } from '../../accounts/first-name.ts';

export interface DisplayIdentity {
  name: string;
  idNat: string;
  exercices: Array<{ profession: string; specialty?: string; category?: string; establishments: Array<{ name: string; finess?: string }> }>;
}

interface Exercice {
  codeProfession?: string;
  codeSavoirFaire?: string;
  codeCategorieProfessionnelle?: string;
  activities?: Array<{ raisonSocialeSite?: string; numeroFinessSite?: string }>;
}

export function displayIdentity(claims: Record<string, unknown>): DisplayIdentity {
  const refPro = (claims.SubjectRefPro ?? {}) as { exercices?: Exercice[] };
  const given = typeof claims.given_name === 'string' ? firstNameForGreeting(claims.given_name) : '';
  const name = [given, claims.family_name].filter((v) => typeof v === 'string' && v).join(' ');
  return {
    name: name || String(claims.sub),
    idNat: String(claims.SubjectNameID ?? claims.preferred_username ?? claims.sub),
    exercices: (refPro.exercices ?? []).map((e) => ({
      profession: PROFESSIONS[e.codeProfession ?? ''] ?? `Profession ${e.codeProfession ?? 'inconnue'}`,
      specialty: e.codeSavoirFaire,
      category: e.codeCategorieProfessionnelle,
      establishments: (e.activities ?? []).map((a) => ({ name: a.raisonSocialeSite ?? 'Établissement', finess: a.numeroFinessSite })),
    })),
  };
}
