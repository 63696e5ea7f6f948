/**
 * A PSC simulator fixture of `count` distinct practitioners, made from the sandbox's first
 * one (same profession and structure, new uuid and national id), so that each of the bench's
 * first sign-ins is a clinician the gateway has never seen.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { DEFAULT_PRACTITIONERS_FILE } from '../src/sandbox/psc/practitioners.ts';

/** National id of the bench's practitioner n° index: 12 digits starting 8991 (RPPS-like). */
export function benchIdNat(index: number): string {
  return `8991${String(index).padStart(8, '0')}`;
}

export function writePractitioners(path: string, count: number): string[] {
  const fixture = JSON.parse(readFileSync(DEFAULT_PRACTITIONERS_FILE, 'utf8')) as { practitioners: Array<Record<string, unknown>> };
  const template = fixture.practitioners[0]!;
  const ids = Array.from({ length: count }, (_, i) => benchIdNat(i));
  const practitioners = ids.map((idNat, i) => ({
    ...structuredClone(template),
    uuid: randomUUID(),
    idNat,
    note: `Praticien du banc de mesure n° ${i + 1}`,
    family_name: `BANC${String(i + 1).padStart(5, '0')}`,
    otherIds: [{ identifiant: idNat, origine: 'RPPS', qualite: 1 }],
  }));
  writeFileSync(path, JSON.stringify({ practitioners }));
  return ids;
}
