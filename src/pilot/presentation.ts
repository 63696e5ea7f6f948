/**
 * How the pilot's figures are shown: numbers, shares and durations in the reader's locale,
 * labels for method groups, professions, applications and failure reasons, the rows of the
 * printed report's short tables, and the data the dashboard's charts draw (embedded as JSON,
 * read by views/static/pilot.js).
 */
import { professionLabel } from '../accounts/index.ts';
import type { Translate } from '../http/i18n.ts';
import type { Locale } from '../http/i18n.ts';
import { OVER_TEN_MINUTES } from './durations.ts';
import type { PilotFigures, Ranked } from './figures.ts';
import { METHOD_GROUPS } from './method-groups.ts';

export interface PilotFormat {
  number(n: number): string;
  /** A share in [0, 1] as a percentage with one decimal. */
  percent(share: number): string;
  /** A duration bucket (ms) as seconds, "—" when there is none. */
  seconds(ms: number | undefined): string;
  day(day: string): string;
  group(group: string): string;
  profession(code: string): string;
  client(clientId: string): string;
  reason(reason: string): string;
}

export function pilotFormat(lang: Locale, t: Translate, clientNames: ReadonlyMap<string, string>): PilotFormat {
  const locale = lang === 'fr' ? 'fr-FR' : 'en-GB';
  const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const percent = new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const secs = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const labelled = (key: string, fallback: string) => {
    const text = t(key);
    return text === key ? fallback : text;
  };
  return {
    number: (n) => integer.format(n),
    percent: (share) => percent.format(share),
    seconds: (ms) => (ms === undefined ? '—' : ms === OVER_TEN_MINUTES ? t('pilot.overTenMinutes') : `${secs.format(ms / 1000)} s`),
    day: (day) => date.format(Date.parse(`${day}T00:00:00Z`)),
    group: (group) => labelled(`pilot.group.${group}`, group),
    profession: (code) => professionLabel(code),
    client: (clientId) => clientNames.get(clientId) ?? clientId,
    reason: (reason) => labelled(`pilot.reason.${reason}`, reason),
  };
}

/** Rows a short table shows: the first `max`, then the rest as one « autres » line (never dropped silently). */
export interface ReportRows<K extends string> {
  shown: Array<Ranked<K>>;
  /** The rows beyond `max`, added up (undefined when there are none). */
  others?: { entries: number; count: number; share: number };
}

export function reportRows<K extends string>(rows: ReadonlyArray<Ranked<K>>, max = 6): ReportRows<K> {
  if (rows.length <= max) return { shown: [...rows] };
  const rest = rows.slice(max);
  return {
    shown: rows.slice(0, max),
    others: { entries: rest.length, count: rest.reduce((sum, r) => sum + r.count, 0), share: rest.reduce((sum, r) => sum + r.share, 0) },
  };
}

export interface PilotChartData {
  labels: string[];
  signIns: Array<{ group: string; label: string; data: number[] }>;
  adoption: Array<{ series: 'linked' | 'withKey' | 'active'; label: string; data: number[] }>;
  groups: { labels: string[]; data: number[] };
  funnel: { labels: string[]; data: number[] };
}

export function chartData(figures: PilotFigures, format: PilotFormat, t: Translate): PilotChartData {
  return {
    labels: figures.daily.map((d) => format.day(d.day)),
    signIns: METHOD_GROUPS.filter((group) => figures.daily.some((d) => d.byGroup[group] > 0)).map((group) => ({
      group,
      label: format.group(group),
      data: figures.daily.map((d) => d.byGroup[group]),
    })),
    adoption: (['linked', 'withKey', 'active'] as const).map((series) => ({
      series,
      label: t(`pilot.series.${series}`),
      data: figures.daily.map((d) => d[series]),
    })),
    groups: { labels: figures.signIns.byGroup.map((row) => format.group(String(row.key))), data: figures.signIns.byGroup.map((row) => row.count) },
    funnel: {
      labels: (['offered', 'started', 'completed', 'skipped'] as const).map((step) => t(`pilot.funnel.${step}`)),
      data: [figures.funnel.clinicians.offered, figures.funnel.clinicians.started, figures.funnel.clinicians.completed, figures.funnel.clinicians.skipped],
    },
  };
}

/** JSON safe to embed in an HTML data block: `<` can never close the element. */
export function embeddableJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
