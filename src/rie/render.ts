/**
 * The RIE report in words: one line per requirement for the CLI, and the same rows for the
 * staff page (status word, requirement, source, value).
 */
import type { Translate } from '../http/i18n.ts';
import type { RieCheck, RieReport } from './report.ts';

export interface RieRow {
  id: string;
  status: RieCheck['status'];
  statusLabel: string;
  requirement: string;
  source: string;
  value: string;
}

/** yes/no and the change policies' words in the locale's words; names and numbers as they are. */
function inWords(value: string | number, t: Translate): string | number {
  if (typeof value !== 'string') return value;
  if (value === 'yes' || value === 'no') return t(`rie.status.${value}`);
  const word = t(`rie.word.${value}`);
  return word === `rie.word.${value}` ? value : word;
}

export function rieRows(report: RieReport, t: Translate): RieRow[] {
  return report.checks.map((check) => ({
    id: check.id,
    status: check.status,
    statusLabel: t(`rie.status.${check.status}`),
    requirement: t(`rie.req.${check.id}`),
    source: t(`rie.source.${check.source}`),
    value: t(`rie.value.${check.id}`, Object.fromEntries(Object.entries(check.params).map(([k, v]) => [k, inWords(v, t)]))),
  }));
}

export function rieText(report: RieReport, t: Translate): string {
  const lines = [
    t('rie.title'),
    t('rie.range', { from: report.range.from, to: report.range.to, generatedAt: report.generatedAt }),
    '',
    ...rieRows(report, t).map((row) => `[${row.statusLabel}] ${row.requirement} — ${row.value} (${row.source})`),
    '',
    t('rie.attestHeading'),
    ...report.attest.map((id) => `- ${t(`rie.attest.${id}`)}`),
    '',
    report.unmet ? t('rie.unmet', { count: report.unmet }) : t('rie.allMet'),
  ];
  return `${lines.join('\n')}\n`;
}
