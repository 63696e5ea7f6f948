/** The profession code(s) of an account (TRE_G15, from PSC's exercices), for audit events. */
import type { PractitionerAccount } from './practitioner.ts';

export function professionOf(account: PractitionerAccount | undefined): string | undefined {
  const exercices = (account?.profile.SubjectRefPro as { exercices?: Array<{ codeProfession?: unknown }> } | undefined)?.exercices ?? [];
  const codes = [...new Set(exercices.map((e) => e.codeProfession).filter((c): c is string => typeof c === 'string'))];
  return codes.length ? codes.join(',') : undefined;
}
