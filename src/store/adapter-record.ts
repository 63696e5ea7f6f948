/**
 * How an oidc-provider record is laid out in the Store. Two layouts:
 * - a record oidc-provider consumes (a code, a refresh token, ...) is a hash whose `payload`
 *   field is the JSON payload and whose `consumed` field (epoch seconds) is added by consume();
 * - a record it only ever saves whole (WHOLE_MODELS: sessions, interactions, grants, access
 *   tokens) is the JSON payload as a string: one SET with its TTL, where a hash with a TTL is
 *   three commands (a script call, HSET, EXPIRE) and takes more memory. Before that layout,
 *   those records were hashes too, under the key name without its `:json` (key-names.ts): the
 *   adapter still reads them for a while after an upgrade (legacy-records.ts), and moves each
 *   to the new layout at its first read.
 */
import type { AdapterPayload } from './adapter-types.ts';

export class StoredRecordError extends Error {
  constructor(key: string, problem: string) {
    super(`oidc record ${key}: ${problem}`);
    this.name = 'StoredRecordError';
  }
}

/**
 * Models oidc-provider 9 saves whole and never consumes (its consume() is called only for
 * codes, refresh tokens, device and CIBA requests, pushed requests and pre-authorized codes):
 * stored as JSON text. Any other model, a future one included, keeps the hash layout.
 */
export const WHOLE_MODELS: ReadonlySet<string> = new Set(['Session', 'Interaction', 'Grant', 'AccessToken', 'ClientCredentials']);

export function encodeRecord(payload: AdapterPayload): Record<string, string> {
  return { payload: JSON.stringify(payload) };
}

/** A whole record's stored text. */
export function encodeWholeRecord(payload: AdapterPayload): string {
  return JSON.stringify(payload);
}

/** The payload of a whole record's stored text. */
export function decodeWholeRecord(key: string, text: string): AdapterPayload {
  return parsePayload(key, text, 'the record');
}

/** The payload of a stored hash, with `consumed` when it was consumed. */
export function decodeRecord(key: string, hash: Record<string, string>): AdapterPayload {
  const json = hash.payload;
  if (json === undefined) {
    throw new StoredRecordError(key, `expected a "payload" field, got fields [${Object.keys(hash).join(', ')}]`);
  }
  const record = parsePayload(key, json, 'the "payload" field');
  if (hash.consumed !== undefined) {
    const consumed = Number(hash.consumed);
    if (!Number.isFinite(consumed)) throw new StoredRecordError(key, `expected "consumed" to be epoch seconds, got "${hash.consumed}"`);
    record.consumed = consumed;
  }
  return record;
}

function parsePayload(key: string, json: string, where: string): AdapterPayload {
  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch {
    throw new StoredRecordError(key, `expected ${where} to hold JSON, got unparsable text`);
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new StoredRecordError(key, `expected the payload to be a JSON object, got ${Array.isArray(payload) ? 'an array' : String(payload)}`);
  }
  return payload as AdapterPayload;
}

/** Seconds for the Store: undefined (or Infinity) = no expiry; 0 or less (already due) = 1 s. */
export function recordTtl(expiresIn: number | undefined): number | undefined {
  if (typeof expiresIn !== 'number' || Number.isNaN(expiresIn) || expiresIn === Infinity) return undefined;
  return Math.max(1, Math.ceil(expiresIn));
}
