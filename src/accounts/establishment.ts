/**
 * The establishments a clinician practises in (FINESS site numbers and names, from PSC's
 * SubjectRefPro activities), for the pilot's figures by establishment. An activity without
 * a site number falls back to the legal entity's; one with neither (a private practice) is left out.
 */
import type { PractitionerAccount } from './practitioner.ts';

interface Activity {
  numeroFinessSite?: unknown;
  numeroFinessetablissementJuridique?: unknown;
  raisonSocialeSite?: unknown;
}

const MAX_ESTABLISHMENTS = 10;

export function establishmentsOf(account: PractitionerAccount | undefined): { finess: string[]; establishments: string[] } {
  const exercices = (account?.profile.SubjectRefPro as { exercices?: Array<{ activities?: Activity[] }> } | undefined)?.exercices ?? [];
  const found = new Map<string, string>();
  for (const activity of exercices.flatMap((e) => (Array.isArray(e.activities) ? e.activities : []))) {
    const site = typeof activity.numeroFinessSite === 'string' ? activity.numeroFinessSite.trim() : '';
    const legal = typeof activity.numeroFinessetablissementJuridique === 'string' ? activity.numeroFinessetablissementJuridique.trim() : '';
    const finess = /^[0-9A-Za-z]{9}$/.test(site) ? site : /^[0-9A-Za-z]{9}$/.test(legal) ? legal : '';
    if (finess && !found.has(finess)) found.set(finess, typeof activity.raisonSocialeSite === 'string' ? activity.raisonSocialeSite.slice(0, 120) : '');
  }
  const entries = [...found].slice(0, MAX_ESTABLISHMENTS);
  return { finess: entries.map(([n]) => n), establishments: entries.map(([, name]) => name) };
}
