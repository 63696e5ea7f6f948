/**
 * What a line of the clinician's own activity says in /account: the audit event's label in the
 * page's language; for a staff member's own actions (`admin.action` recorded in their name),
 * what they did — "Export des chiffres du pilote (CSV, du 4 nov. 2026 au 3 déc. 2026)",
 * "Recherche dans le journal d'audit" — so that an action they did not do stands out. An action
 * without a label of its own (or indexed before actions were kept) reads "Action sur les pages
 * d'administration". Throws nothing: a malformed period is left out.
 */
import type { ActivityEntry } from '../accounts/index.ts';
import type { Locale, Translate } from '../http/i18n.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_FORMATS: Record<Locale, Intl.DateTimeFormat> = {
  fr: new Intl.DateTimeFormat('fr-FR', { dateStyle: 'medium', timeZone: 'UTC' }),
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' }),
};

export function activityLabel(entry: ActivityEntry, t: Translate, lang: Locale): string {
  if (entry.type !== 'admin.action') return t(`event.${entry.type}`);
  const key = `activity.action.${entry.action ?? ''}`;
  if (!entry.action || t(key) === key) return t('activity.action.other');
  const day = (value: string | undefined) => (value && DAY.test(value) ? DAY_FORMATS[lang].format(Date.parse(`${value}T00:00:00Z`)) : undefined);
  const from = day(entry.from);
  const to = day(entry.to);
  const details = [entry.format?.toUpperCase(), from && to ? t('activity.period', { from, to }) : undefined].filter(Boolean);
  return details.length > 0 ? `${t(key)} (${details.join(', ')})` : t(key);
}
