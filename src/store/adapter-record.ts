/**
 * How an oidc-provider record is laid out in the Store: a hash whose `payload` field is the
 * JSON payload and whose `consumed` field (epoch seconds) is added by consume().
 */
import type { AdapterPayload } from './adapter-types.ts';

export class StoredRecordError extends Error {
  constructor(key: string, problem: string) {
    super(`oidc record ${key}: ${problem}`);
    this.name = 'StoredRecordError';
  }
}

export function encodeRecord(payload: AdapterPayload): Record<string, string> {
  return { payload: JSON.stringify(payload) };
}

/** The payload of a stored hash, with `consumed` when it was consumed. */
export function decodeRecord(key: string, hash: Record<string, string>): AdapterPayload {
  const json = hash.payload;
  if (json === undefined) {
    throw new StoredRecordError(key, `expected a "payload" field, got fields [${Object.keys(hash).join(', ')}]`);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch {
    throw new StoredRecordError(key, 'expected the "payload" field to hold JSON, got unparsable text');
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new StoredRecordError(key, `expected the payload to be a JSON object, got ${Array.isArray(payload) ? 'an array' : String(payload)}`);
  }
  const record = payload as AdapterPayload;
  if (hash.consumed !== undefined) {
    const consumed = Number(hash.consumed);
    if (!Number.isFinite(consumed)) throw new StoredRecordError(key, `expected "consumed" to be epoch seconds, got "${hash.consumed}"`);
    record.consumed = consumed;
  }
  return record;
}

/** Seconds for the Store: undefined (or Infinity) = no expiry; 0 or less (already due) = 1 s. */
export function recordTtl(expiresIn: number | undefined): number | undefined {
  if (typeof expiresIn !== 'number' || Number.isNaN(expiresIn) || expiresIn === Infinity) return undefined;
  return Math.max(1, Math.ceil(expiresIn));
}
