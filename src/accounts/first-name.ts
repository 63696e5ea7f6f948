/**
 * A first name as a greeting writes it. PSC sends names in capitals (« KIT », « JEAN-PIERRE »):
 * a name all in capitals gets a capital at the start of each part (after a space, a hyphen or an
 * apostrophe) and small letters elsewhere; a name already in mixed case is left as it is.
 * Family names keep their capitals (French usage: Prénom NOM).
 */
export function firstNameForGreeting(name: string): string {
  const trimmed = name.trim();
  if (trimmed !== trimmed.toLocaleUpperCase('fr-FR') || trimmed === trimmed.toLocaleLowerCase('fr-FR')) return trimmed;
  return trimmed
    .toLocaleLowerCase('fr-FR')
    .replace(/(^|[\s'’-])(\p{L})/gu, (_match, before: string, letter: string) => before + letter.toLocaleUpperCase('fr-FR'));
}
