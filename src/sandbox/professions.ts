/** TRE_G15 "ProfessionSante" codes and their French labels, as the sandbox pages show them. */
export const PROFESSIONS: Readonly<Record<string, string>> = {
  '10': 'Médecin',
  '21': 'Pharmacien',
  '40': 'Chirurgien-dentiste',
  '50': 'Sage-femme',
  '60': 'Infirmier',
  '70': 'Masseur-kinésithérapeute',
  '80': 'Pédicure-podologue',
};
