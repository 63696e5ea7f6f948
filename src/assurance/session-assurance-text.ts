/**
 * A session's assurance record as Redis keeps it (session-assurance.ts): a JSON array of its
 * fields in a fixed order, the format's number first, where the releases before the thirteenth
 * round stored an object naming each field. The names were half the text: a workstation's
 * record (its browser's digest and address) was 268 characters, 440 B in Redis; as an array it
 * is 146 characters, 280 B (`npm run bench`, bench/README.md, thirteenth round). There is one
 * such record per open session.
 *
 *   [1, method, acr, amr, phishingResistant, hardwareProtected, accountId, loginAt, lastSeenAt,
 *    profile, browser or null, address or null]
 *
 * Both forms are read. The releases before read only the object, so within the window after an
 * upgrade (legacy-records.ts decides it: the longest session and the rolling upgrade's hour) a
 * record is stored as an object. A later format gets a new number; fields are only ever added at
 * the end.
 */
import type { Assurance } from './assurance.ts';

/** A session's record as stored (its revocation is a key of its own: session-assurance.ts). */
export interface StoredSessionAssurance extends Assurance {
  accountId: string;
  /** Epoch ms of the authentication. */
  loginAt: number;
  /** Epoch ms of the last authorization request served by this session. */
  lastSeenAt: number;
  /** Session profile that set its lifetimes. */
  profile: string;
  /** Digest of the User-Agent of the browser the session was opened in (oidc/session-context.ts); absent in records older than it. */
  browser?: string;
  /** Client address the session was opened from, or last moved to (an audited change). */
  address?: string;
}

const FORMAT = 1;
/** The fields of format 1, in their order after the format's number; `browser` and `address` may be null (a record older than them). */
const FIELD_ORDER = [
  'method',
  'acr',
  'amr',
  'phishingResistant',
  'hardwareProtected',
  'accountId',
  'loginAt',
  'lastSeenAt',
  'profile',
  'browser',
  'address',
] as const satisfies ReadonlyArray<keyof StoredSessionAssurance>;

export function encodeSessionAssurance(record: StoredSessionAssurance, form: 'array' | 'object'): string {
  if (form === 'object') return JSON.stringify(record);
  return JSON.stringify([FORMAT, ...FIELD_ORDER.map((field) => record[field] ?? null)]);
}

/** The record a stored text holds, in either form; `key` names it in the error a damaged text gets. */
export function decodeSessionAssurance(key: string, text: string): StoredSessionAssurance {
  const value = parse(key, text);
  if (Array.isArray(value)) return fromArray(key, value);
  if (value !== null && typeof value === 'object') {
    const { revokedAt: _derived, ...record } = value as StoredSessionAssurance & { revokedAt?: number };
    return record;
  }
  throw damaged(key, `expected an array or an object, got ${JSON.stringify(value)}`);
}

function fromArray(key: string, value: unknown[]): StoredSessionAssurance {
  if (value[0] !== FORMAT) throw damaged(key, `expected format ${FORMAT} first, got ${JSON.stringify(value[0])}`);
  if (value.length < 1 + FIELD_ORDER.length) throw damaged(key, `expected ${FIELD_ORDER.length} fields after the format, got ${value.length - 1}`);
  const record: Record<string, unknown> = {};
  FIELD_ORDER.forEach((field, i) => {
    const stored = value[i + 1];
    if (stored !== null) record[field] = stored;
  });
  return record as unknown as StoredSessionAssurance;
}

function parse(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw damaged(key, (err as Error).message);
  }
}

function damaged(key: string, why: string): Error {
  return new Error(`session assurance record ${key} is damaged: ${why}`);
}
