/** TRE_G15 "ProfessionSante" codes and their French labels (sandbox pages, pilot figures). */
export const PROFESSIONS: Readonly<Record<string, string>> = {
  '10': 'Médecin',
  '21': 'Pharmacien',
  '40': 'Chirurgien-dentiste',
  '50': 'Sage-femme',
  '60': 'Infirmier',
  '70': 'Masseur-kinésithérapeute',
  '80': 'Pédicure-podologue',
  '86': 'Technicien de laboratoire médical',
  '91': 'Orthophoniste',
  '92': 'Orthoptiste',
  '94': 'Ergothérapeute',
  '95': 'Diététicien',
  '96': 'Psychomotricien',
  '98': "Manipulateur d'électroradiologie médicale",
};

/** The label of a profession code, or the code itself when unknown. */
export function professionLabel(code: string): string {
  return PROFESSIONS[code] ?? `Profession ${code}`;
}
