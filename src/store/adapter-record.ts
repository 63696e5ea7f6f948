/**
 * How an oidc-provider record is laid out in the Store: its JSON payload as a string under
 * `…:<Model>:json` (key-names.ts modelJson), one SET with its TTL, where a hash with a TTL is
 * three commands (a script call, HSET, EXPIRE) and takes more memory.
 *
 * A record oidc-provider consumes (a code, a refresh token, ...: not in WHOLE_MODELS) also has
 * a use mark beside it, `…:<Model>:used` (same slot), written by consume(): `<consumed>` (epoch
 * seconds), or `<consumed> <pending>` (epoch ms) while the request that consumed a code or a
 * refresh token has not answered (token-consumption.ts). The record and its mark are read with one MGET. The mark lives as long
 * as the record it marks and USED_MARK_MARGIN_SECONDS more (a mark that outlived its record
 * marks nothing), so a consumed record is never seen unconsumed.
 *
 * Before these layouts every record was a hash under the key name without `:json` (`payload`,
 * and `consumed`, `rotating` (the pending mark) added by consume()): the adapter still reads them for a while
 * after an upgrade (legacy-records.ts), and moves each to the new layout at its first read.
 */
import type { AdapterPayload } from './adapter-types.ts';
import { withoutDefaults, type StoredForm } from './record-defaults.ts';

export class StoredRecordError extends Error {
  constructor(key: string, problem: string) {
    super(`oidc record ${key}: ${problem}`);
    this.name = 'StoredRecordError';
  }
}

/**
 * Models oidc-provider 9 saves whole and never consumes (its consume() is called only for
 * codes, refresh tokens, device and CIBA requests, pushed requests and pre-authorized codes):
 * no use mark, and consume() refuses them. Any other model, a future one included, may be
 * consumed: its use mark is read with it.
 */
export const WHOLE_MODELS: ReadonlySet<string> = new Set(['Session', 'Interaction', 'Grant', 'AccessToken', 'ClientCredentials']);

/** How long a use mark outlives the record it marks: more than the clocks of two instances may differ. */
export const USED_MARK_MARGIN_SECONDS = 60;

/** What consume() wrote: when (epoch seconds), and when (epoch ms) while the request that consumed it has not answered. */
export interface RecordUse {
  consumed: string;
  pending?: string;
}

export function encodeUse(use: RecordUse): string {
  return use.pending === undefined ? use.consumed : `${use.consumed} ${use.pending}`;
}

export function decodeUse(key: string, text: string): RecordUse {
  const [consumed, pending, ...rest] = text.split(' ');
  const isNumber = (value: string | undefined) => value !== undefined && /^\d+$/.test(value);
  if (!isNumber(consumed) || (pending !== undefined && !isNumber(pending)) || rest.length > 0) {
    throw new StoredRecordError(key, `expected "<consumed seconds>" or "<consumed seconds> <pending ms>", got "${text.slice(0, 40)}"`);
  }
  return pending === undefined ? { consumed: consumed! } : { consumed: consumed!, pending };
}

/** The payload with `consumed` from its use mark, when it has one. */
export function withUse(payload: AdapterPayload, use: Partial<RecordUse>): AdapterPayload {
  return use.consumed === undefined ? payload : { ...payload, consumed: Number(use.consumed) };
}

/**
 * A record's stored text: its JSON, without what oidc-provider reads the same without, nor what
 * is put back when it is read (its `jti` when its key names it, a token's default claims), as
 * `form` says (record-defaults.ts).
 */
export function encodeWholeRecord(model: string, payload: AdapterPayload, form: StoredForm = {}): string {
  return JSON.stringify(withoutDefaults(model, payload, form));
}

/** The payload of a record's stored text, as stored: oidc-provider reads what it leaves out as before (record-defaults.ts). */
export function decodeWholeRecord(key: string, text: string): AdapterPayload {
  return parsePayload(key, text, 'the record');
}

/** The payload of a hash of the earlier layout; its `consumed` and `rotating` are read as a use mark (decodeUse). */
export function decodeLegacyPayload(key: string, hash: Record<string, string>): AdapterPayload {
  const json = hash.payload;
  if (json === undefined) {
    throw new StoredRecordError(key, `expected a "payload" field, got fields [${Object.keys(hash).join(', ')}]`);
  }
  return parsePayload(key, json, 'the "payload" field');
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
