/**
 * Reads the professional identity out of the gateway's claims for display: name,
 * professions (TRE_G15 codes) and establishments (FINESS), as a DPI would show them.
 */
const PROFESSIONS: Record<string, string> = {
  '10': 'Médecin',
  '21': 'Pharmacien',
  '40': 'Chirurgien-dentiste',
  '50': 'Sage-femme',
  '60': 'Infirmier',
  '70': 'Masseur-kinésithérapeute',
  '80': 'Pédicure-podologue',
};

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
  const name = [claims.given_name, claims.family_name].filter((v) => typeof v === 'string' && v).join(' ');
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
