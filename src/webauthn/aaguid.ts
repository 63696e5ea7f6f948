/**
 * Authenticator models by AAGUID (webauthn.aaguidsFile, config/aaguids.json by default): the
 * default name of a new key and a hint of its kind. The AAGUID is self-asserted unless
 * attestation was verified against the vendor's roots, so the table only names things; it
 * never grants trust.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { CredentialKind } from './types.ts';

export interface AaguidModel {
  name: string;
  kind?: CredentialKind;
}

/** AAGUID (lowercase, 8-4-4-4-12) → model. */
export type AaguidTable = ReadonlyMap<string, AaguidModel>;

/** The AAGUID of authenticators that do not say what they are (and of 'none' attestation in some browsers). */
export const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

const AAGUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const modelSchema = z.strictObject({
  name: z.string().trim().min(1).max(60),
  kind: z.enum(['security-key', 'platform', 'synced-passkey']).optional(),
});

/** A table that cannot serve: the message names the file and the bad entry; `expected` says what it should be, for a ConfigError's line. */
export class AaguidTableError extends Error {
  readonly expected: string;
  constructor(message: string, expected: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AaguidTableError';
    this.expected = expected;
  }
}

/**
 * Reads and validates the table. Keys starting with `$` (e.g. `$comment`, `$source`) are
 * documentation and skipped. Throws an AaguidTableError naming the file and the bad entry.
 */
export function loadAaguidTable(path: string): AaguidTable {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const why = (error as Error).message;
    throw new AaguidTableError(`AAGUID table ${path}: expected a readable JSON file, got ${why}`, `a readable JSON file (${why})`, { cause: error });
  }
  return parseAaguidTable(raw, path);
}

/** Validates an already-parsed table (see loadAaguidTable). */
export function parseAaguidTable(raw: unknown, source = 'AAGUID table'): AaguidTable {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const got = Array.isArray(raw) ? 'an array' : raw === null ? 'null' : typeof raw;
    throw new AaguidTableError(
      `${source}: expected a JSON object of AAGUID → { name, kind? }, got ${got}`,
      `a JSON object of AAGUID → { name, kind? } (got ${got})`,
    );
  }
  const table = new Map<string, AaguidModel>();
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith('$')) continue;
    if (!AAGUID.test(key)) {
      throw new AaguidTableError(
        `${source}: entry "${key}": expected a lowercase AAGUID like "cb69481e-8ff7-4039-93ec-0a2729a154a8"`,
        `entries named by a lowercase AAGUID like "cb69481e-8ff7-4039-93ec-0a2729a154a8" (entry "${key}")`,
      );
    }
    if (key === ZERO_AAGUID)
      throw new AaguidTableError(
        `${source}: entry "${key}": the all-zero AAGUID names no model and cannot be listed`,
        `no entry for the all-zero AAGUID (it names no model)`,
      );
    const parsed = modelSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? issue.path.map(String).join('.') : 'value';
      const model = '{ "name": 1–60 characters, "kind"?: "security-key" | "platform" | "synced-passkey" }';
      throw new AaguidTableError(
        `${source}: entry "${key}": ${where}: ${issue?.message ?? 'invalid'} (expected ${model})`,
        `entries of ${model} (entry "${key}": ${where}: ${issue?.message ?? 'invalid'})`,
      );
    }
    table.set(key, parsed.data.kind ? { name: parsed.data.name, kind: parsed.data.kind } : { name: parsed.data.name });
  }
  return table;
}

/** The model for an AAGUID (any case), or undefined when unknown or all zeros. */
export function modelFor(table: AaguidTable | undefined, aaguid: string): AaguidModel | undefined {
  const key = aaguid.toLowerCase();
  if (!table || key === ZERO_AAGUID) return undefined;
  return table.get(key);
}
