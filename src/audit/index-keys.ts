/**
 * Names of the audit search index's keys in Redis, all under the `{audit}` hash tag of the
 * stream (one Cluster slot: the append script writes them with the event). Per generation g
 * (`ix:gen`, a full rebuild starts the next one):
 *   ix:<g>:<field>:<YYYY-MM>[:<value>]  index entries of the events whose time is in that month
 *   ix:<g>:keys:<YYYY-MM>               the index keys of that month (to drop them after retention)
 *   ix:<g>:months                       the months that have keys
 *   ix:<g>:since                        the position from which every event is indexed
 */
import { createHash } from 'node:crypto';
import type { KeyNames } from '../store/key-names.ts';
import type { IndexField } from './search.ts';

/** Longest value kept readable in a key name; longer ones are hashed. */
const VALUE_MAX = 160;

export interface AuditIndexKeys {
  /** The current generation's number (absent: 1). */
  readonly genKey: string;
  since(gen: number): string;
  months(gen: number): string;
  registry(gen: number, month: string): string;
  term(gen: number, field: IndexField, value: string, month: string): string;
  /** Prefix of every key of a generation (to recognise them). */
  generationPrefix(gen: number): string;
}

export function auditIndexKeys(keyNames: KeyNames): AuditIndexKeys {
  const base = (gen: number, ...rest: string[]) => keyNames.custom('audit', 'ix', String(gen), ...rest);
  return {
    genKey: keyNames.custom('audit', 'ix', 'gen'),
    since: (gen) => base(gen, 'since'),
    months: (gen) => base(gen, 'months'),
    registry: (gen, month) => base(gen, 'keys', month),
    term: (gen, field, value, month) => (field === 'all' ? base(gen, 'all', month) : base(gen, field, month, encodeValue(value))),
    generationPrefix: (gen) => `${base(gen)}:`,
  };
}

/** A value as it appears in a key name: letters, digits and . _ - kept, the rest %-encoded; long values hashed. */
export function encodeValue(value: string): string {
  const encoded = encodeURIComponent(value).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return encoded.length <= VALUE_MAX ? encoded : `#${createHash('sha256').update(value, 'utf8').digest('hex')}`;
}

/** The UTC month "YYYY-MM" of an instant in ms (before 1970: 1970-01). */
export function monthOf(ms: number): string {
  return new Date(Math.max(0, ms)).toISOString().slice(0, 7);
}

/** Parses the generation number stored in ix:gen (absent or unreadable: 1). */
export function generationOf(raw: string | null | undefined): number {
  const gen = Number(raw);
  return Number.isSafeInteger(gen) && gen >= 1 ? gen : 1;
}

/** The months from `fromMs`'s to `toMs`'s (both included), among `existing` ("YYYY-MM", any order). */
export function monthsBetween(existing: readonly string[], fromMs: number | undefined, toMs: number | undefined): string[] {
  const first = fromMs === undefined ? '' : monthOf(fromMs);
  const last = toMs === undefined ? '9999-12' : monthOf(toMs - 1);
  return existing.filter((m) => /^\d{4}-\d{2}$/.test(m) && m >= first && m <= last).sort();
}
