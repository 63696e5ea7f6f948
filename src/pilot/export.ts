/**
 * Every pilot figure as one CSV table ("long" format: one figure per row) for the reports
 * the pilot sends to its ARS / the ANS. Semicolon-separated with decimal commas and a
 * UTF-8 byte-order mark, so that it opens as columns in a French spreadsheet.
 *
 * Columns: section; indicateur; cle; libelle; valeur; part_pct
 */
import { HIGH, SUBSTANTIAL } from '../assurance/levels.ts';
import type { PilotFigures, Ranked, Share } from './figures.ts';
import type { PilotFormat } from './presentation.ts';

export const CSV_HEADER = ['section', 'indicateur', 'cle', 'libelle', 'valeur', 'part_pct'] as const;

type Cell = string | number | undefined;

function cell(value: Cell): string {
  if (value === undefined) return '';
  const text = typeof value === 'number' ? String(Number.isInteger(value) ? value : Number(value.toFixed(4))).replace('.', ',') : value;
  // Formula injection: a cell a spreadsheet would evaluate is prefixed with an apostrophe.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value !== 'number' ? `'${text}` : text;
  return /[;"\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const pct = (share: number) => Number((share * 100).toFixed(1));

export function figuresCsv(figures: PilotFigures, format: PilotFormat): string {
  const rows: Cell[][] = [];
  const add = (section: string, figure: string, key: Cell, label: Cell, value: Cell, share?: number) =>
    rows.push([section, figure, key, label, value, share === undefined ? undefined : pct(share)]);
  const shareRow = (section: string, figure: string, s: Share) => add(section, figure, '', '', s.count, s.share);
  const rankedRows = (section: string, figure: string, list: Array<Ranked<string>>, label: (key: string) => string) => {
    for (const row of list) add(section, figure, String(row.key), label(String(row.key)), row.count, row.share);
  };

  const { range, clinicians, funnel, signIns, failures, stepUps, keys, delegation } = figures;
  add('periode', 'du', '', '', range.from);
  add('periode', 'au', '', '', range.to);
  add('periode', 'jours', '', range.timeZone, range.days);

  add('professionnels', 'relies_psc', '', '', clinicians.linked);
  add('professionnels', 'nouvellement_relies', '', '', clinicians.newlyLinked);
  add('professionnels', 'avec_cle', '', '', clinicians.withKey, clinicians.withKeyShare);
  add('professionnels', 'actifs_periode', '', '', clinicians.active);
  add('professionnels', 'actifs_moyenne_jour', '', '', clinicians.dailyActiveAverage);

  add('connexions', 'total', '', '', signIns.total);
  rankedRows('connexions', 'par_moyen', signIns.byGroup, format.group);
  rankedRows('connexions', 'par_methode', signIns.byMethod, (k) => k);
  rankedRows('connexions', 'par_niveau', signIns.byAcr, (k) => k);
  shareRow('connexions', `${SUBSTANTIAL}_ou_plus`, signIns.atLeastEidas2);
  shareRow('connexions', HIGH, signIns.eidas3);
  shareRow('connexions', 'resistantes_hameconnage', signIns.phishingResistant);
  rankedRows('connexions', 'par_application', signIns.byClient, format.client);
  rankedRows('connexions', 'par_profession', signIns.byProfession, format.profession);
  for (const row of signIns.byEstablishment) add('connexions', 'par_etablissement_finess', String(row.key), row.name, row.count, row.share);

  for (const row of figures.timeToSignIn) {
    add('duree_connexion', 'nombre', row.method, format.group(row.group), row.count);
    add('duree_connexion', 'mediane_ms', row.method, format.group(row.group), row.medianMs);
    add('duree_connexion', 'p90_ms', row.method, format.group(row.group), row.p90Ms);
  }

  add('enrolement', 'professionnels_proposes', '', '', funnel.clinicians.offered);
  add('enrolement', 'professionnels_commences', '', '', funnel.clinicians.started);
  add('enrolement', 'professionnels_termines', '', '', funnel.clinicians.completed, funnel.completionRate);
  add('enrolement', 'professionnels_declines', '', '', funnel.clinicians.skipped);
  add('enrolement', 'propositions', '', '', funnel.offered);
  add('enrolement', 'commencements', '', '', funnel.started);
  add('enrolement', 'enregistrements', '', '', funnel.completed);
  add('enrolement', 'refus_plus_tard', '', '', funnel.skipped);
  add('enrolement', 'echecs_enregistrement', '', '', funnel.refused);

  add('echecs', 'total', '', '', failures.total);
  rankedRows('echecs', 'par_raison', failures.byReason, format.reason);
  rankedRows('echecs', 'par_moyen', failures.byMethod, (k) => k);
  for (const row of failures.pscErrors) add('echecs', 'erreurs_psc', String(row.key), format.reason(`psc-${String(row.key)}`), row.count);
  add('echecs', 'replis_cle_vers_psc', '', '', failures.fallbacksKeyToPsc);

  add('montees_niveau', 'demandees', '', '', stepUps.asked);
  add('montees_niveau', 'reussies', '', '', stepUps.met);
  add('montees_niveau', 'impossibles', '', '', stepUps.unmet);

  add('delegation_psc', 'demandees', '', '', delegation.requested);
  add('delegation_psc', 'connexions', '', '', delegation.signIns);
  add('delegation_psc', 'refusees', '', '', delegation.refused);
  rankedRows('delegation_psc', 'refusees_par_raison', delegation.refusedByReason, (k) => k);
  add('delegation_psc', 'appairages_premiere_fois', '', '', delegation.pairing.firstUse);
  add('delegation_psc', 'appairages_revenus', '', '', delegation.pairing.returned);

  add('cles', 'enregistrees', '', '', keys.enrolled);
  add('cles', 'enregistrees_apres_psc', '', '', keys.enrolledAfterPsc);
  add('cles', 'enregistrees_mon_compte', '', '', keys.enrolledFromAccount);
  add('cles', 'retirees', '', '', keys.revoked);
  rankedRows('cles', 'retirees_par', keys.revokedBy, (k) => k);

  for (const day of figures.daily) {
    add('jour', 'connexions', day.day, '', day.signIns);
    for (const [group, count] of Object.entries(day.byGroup)) if (count) add('jour', `connexions_${group}`, day.day, format.group(group), count);
    add('jour', 'actifs', day.day, '', day.active);
    add('jour', 'relies_psc_cumul', day.day, '', day.linked);
    add('jour', 'avec_cle_cumul', day.day, '', day.withKey);
    add('jour', 'echecs', day.day, '', day.failures);
    add('jour', 'replis_cle_vers_psc', day.day, '', day.fallbacks);
    add('jour', 'montees_niveau', day.day, '', day.stepUps);
    add('jour', 'connexions_delegation_psc', day.day, '', day.delegated);
  }
  for (const week of figures.weekly) add('semaine', 'actifs', week.week, `${week.from} → ${week.to}${week.partial ? ' (partielle)' : ''}`, week.active);

  return `\uFEFF${[CSV_HEADER as readonly Cell[], ...rows].map((row) => row.map(cell).join(';')).join('\r\n')}\r\n`;
}
