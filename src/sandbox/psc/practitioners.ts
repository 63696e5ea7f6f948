/**
 * The simulator's test practitioners: fixture schema, loading and validation.
 * A malformed fixture throws PractitionerFixtureError naming the file, the entry and the field.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Default fixture, `config/sandbox/psc-practitioners.json` at the repository root. */
export const DEFAULT_PRACTITIONERS_FILE = fileURLToPath(new URL('../../../config/sandbox/psc-practitioners.json', import.meta.url));

const code = z.string(); // PSC sends "" for an absent code: empty strings are allowed
const required = (what: string) => z.string().min(1, `expected ${what}, received an empty string`);

/** One place of practice, exactly as PSC writes it (extra PSC fields are kept as they are). */
const activitySchema = z.looseObject({
  codeModeExercice: code,
  codeSecteurDactivite: code,
  numeroFinessSite: code,
  numeroFinessetablissementJuridique: code,
  identifiantTechniqueDeLaStructure: code,
  raisonSocialeSite: code,
  codePostal: code,
  autoriteDenregistrement: code,
  codeRole: code,
  codeGenreActivite: code,
});

/** One profession exercised (RPPS "exercice professionnel"), with its places of practice. */
const exerciceSchema = z.looseObject({
  codeProfession: required('a profession code such as "10" (TRE_G15)'),
  codeCategorieProfessionnelle: required('"C" (civil), "M" (militaire) or "E" (étudiant)'),
  codeCiviliteDexercice: code,
  nomDexercice: required('the family name used in practice'),
  prenomDexercice: code,
  codeTypeSavoirFaire: code,
  codeSavoirFaire: code,
  activities: z.array(activitySchema),
});

const practitionerSchema = z.strictObject({
  uuid: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'expected a lower-case uuid'),
  idNat: z.string().regex(/^[A-Za-z0-9]+$/, 'expected a national id made of letters and digits, e.g. "899700427885"'),
  note: z.string().optional(),
  given_name: code,
  family_name: required('a family name'),
  email: z.email().optional(),
  SubjectOrganization: code,
  SubjectOrganizationID: code,
  Secteur_Activite: code,
  otherIds: z.array(z.looseObject({ identifiant: required('an identifier'), origine: required('an origin such as "RPPS"'), qualite: z.number() })),
  SubjectRefPro: z.looseObject({
    codeCivilite: code,
    exercices: z.array(exerciceSchema).min(1, 'expected at least one exercice'),
  }),
});

const fixtureSchema = z.looseObject({ practitioners: z.array(z.unknown()).min(1, 'expected at least one practitioner') });

export type PscActivity = z.infer<typeof activitySchema>;
export type PscExercice = z.infer<typeof exerciceSchema>;
/** A test practitioner as written in the fixture. */
export type Practitioner = z.infer<typeof practitionerSchema>;

/** The fixture cannot be used; the message names the file, the entry and the field. */
export class PractitionerFixtureError extends Error {
  constructor(file: string, detail: string) {
    super(`PSC simulator practitioner fixture ${file}: ${detail}`);
    this.name = 'PractitionerFixtureError';
  }
}

function formatPath(path: PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
}

/** Validates already-parsed fixture content (exported for tests). */
export function parsePractitioners(content: unknown, file = '<inline>'): Practitioner[] {
  const top = fixtureSchema.safeParse(content);
  if (!top.success) {
    const issue = top.error.issues[0];
    throw new PractitionerFixtureError(
      file,
      `${formatPath(issue?.path ?? []) || '(root)'}: ${issue?.message ?? 'invalid'} (expected { "practitioners": [ … ] })`,
    );
  }
  const seenIdNat = new Set<string>();
  const seenUuid = new Set<string>();
  return top.data.practitioners.map((entry, index) => {
    const idNat = typeof entry === 'object' && entry !== null && 'idNat' in entry ? JSON.stringify(entry.idNat) : 'missing';
    const where = `practitioners[${index}] (idNat ${idNat})`;
    const parsed = practitionerSchema.safeParse(entry);
    if (!parsed.success) {
      const details = parsed.error.issues.map((i) => `${formatPath(i.path) || '(entry)'}: ${i.message}`).join('; ');
      throw new PractitionerFixtureError(file, `${where}: ${details}`);
    }
    if (seenIdNat.has(parsed.data.idNat)) throw new PractitionerFixtureError(file, `${where}: idNat is used by an earlier entry; expected unique national ids`);
    if (seenUuid.has(parsed.data.uuid))
      throw new PractitionerFixtureError(file, `${where}: uuid is used by an earlier entry; expected one uuid per practitioner`);
    seenIdNat.add(parsed.data.idNat);
    seenUuid.add(parsed.data.uuid);
    return parsed.data;
  });
}

/** Reads and validates the practitioner fixture. */
export async function loadPractitioners(file: string = DEFAULT_PRACTITIONERS_FILE): Promise<Practitioner[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PractitionerFixtureError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); expected a readable JSON file`);
  }
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch (err) {
    throw new PractitionerFixtureError(file, `is not valid JSON (${(err as Error).message})`);
  }
  return parsePractitioners(content, file);
}
