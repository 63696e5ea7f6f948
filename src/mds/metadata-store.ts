/**
 * The imported MDS BLOB in the store, shared by every instance, under the `{mds}` hash tag:
 * `custom('mds', 'blob')` = { no, nextUpdate, importedAt, entries } and `custom('mds', 'entries')`
 * = a JSON object AAGUID → MdsEntry. Both are written in one batch (same slot: atomic), so an
 * instance never sees the entries of one BLOB with the summary of another.
 *
 * Each instance keeps the entries in memory and rereads the summary at most every `refreshMs`
 * (default 2 s), the entries only when the summary changed: a new import reaches every
 * instance within that time. A stored BLOB past its nextUpdate keeps being used (an offline
 * import cannot be instant); `onStale` is called once per BLOB so that the gateway warns.
 */
import { z } from 'zod';
import type { KeyNames } from '../store/key-names.ts';
import type { Store } from '../store/store.ts';
import type { MdsBlobInfo, MdsEntry, MetadataSource, VerifiedBlob } from './types.ts';

export const METADATA_REFRESH_MS = 2_000;

export interface MetadataStore extends MetadataSource {
  /** Replaces the stored BLOB (summary and entries together). */
  save(blob: VerifiedBlob, importedAt: number): Promise<MdsBlobInfo>;
  /** The stored BLOB's summary, read now (not cached), or null when none was imported. */
  info(): Promise<MdsBlobInfo | null>;
}

export interface MetadataStoreOptions {
  /** How long an instance trusts what it read. Default METADATA_REFRESH_MS; 0 = read at every use. */
  refreshMs?: number;
  /** Default Date.now. */
  now?: () => number;
  /** Called once per BLOB when the one in use is past its nextUpdate. */
  onStale?: (info: MdsBlobInfo) => void;
}

const infoSchema = z.strictObject({
  no: z.number().int().nonnegative(),
  nextUpdate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  importedAt: z.number(),
  entries: z.number().int().nonnegative(),
});

const entrySchema = z.strictObject({
  aaguid: z.string(),
  description: z.string(),
  attestationRootCertificates: z.array(z.string()),
  statusReports: z.array(z.strictObject({ status: z.string(), effectiveDate: z.string().optional() })),
});

/** What is stored is not what save() writes: refuse to guess. */
export class StoredMetadataError extends Error {
  constructor(key: string, detail: string) {
    super(`stored MDS metadata ${key}: expected what npm run mds -- import writes, got ${detail}`);
    this.name = 'StoredMetadataError';
  }
}

/** True when the BLOB is past its nextUpdate at `now`. */
export function isStale(info: Pick<MdsBlobInfo, 'nextUpdate'>, now: number): boolean {
  return Date.parse(`${info.nextUpdate}T00:00:00Z`) <= now;
}

export function createMetadataStore(store: Store, keyNames: KeyNames, options: MetadataStoreOptions = {}): MetadataStore {
  const infoKey = keyNames.custom('mds', 'blob');
  const entriesKey = keyNames.custom('mds', 'entries');
  const refreshMs = options.refreshMs ?? METADATA_REFRESH_MS;
  const now = options.now ?? Date.now;

  let cached: { text: string | null; entries: Map<string, MdsEntry>; checkedAt: number } | undefined;
  let reading: Promise<Map<string, MdsEntry>> | undefined;
  let warnedFor: string | undefined;

  function parseInfo(text: string): MdsBlobInfo {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new StoredMetadataError(infoKey, 'text that is not JSON');
    }
    const parsed = infoSchema.safeParse(raw);
    if (!parsed.success) throw new StoredMetadataError(infoKey, parsed.error.issues[0]?.message ?? 'an invalid summary');
    return parsed.data;
  }

  async function readEntries(): Promise<Map<string, MdsEntry>> {
    const text = await store.get(entriesKey);
    const entries = new Map<string, MdsEntry>();
    if (text === null) return entries;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new StoredMetadataError(entriesKey, 'text that is not JSON');
    }
    const parsed = z.record(z.string(), entrySchema).safeParse(raw);
    if (!parsed.success) throw new StoredMetadataError(entriesKey, parsed.error.issues[0]?.message ?? 'invalid entries');
    for (const [aaguid, entry] of Object.entries(parsed.data)) entries.set(aaguid, entry);
    return entries;
  }

  async function refresh(): Promise<Map<string, MdsEntry>> {
    const at = now();
    const text = await store.get(infoKey);
    if (cached && cached.text === text) {
      cached.checkedAt = at;
      return cached.entries;
    }
    const entries = text === null ? new Map<string, MdsEntry>() : await readEntries();
    if (text !== null) {
      const info = parseInfo(text);
      if (isStale(info, at) && warnedFor !== text) {
        warnedFor = text;
        options.onStale?.(info);
      }
    }
    cached = { text, entries, checkedAt: at };
    return entries;
  }

  async function current(): Promise<Map<string, MdsEntry>> {
    if (cached && now() - cached.checkedAt < refreshMs) return cached.entries;
    reading ??= refresh().finally(() => {
      reading = undefined;
    });
    return reading;
  }

  return {
    async entryFor(aaguid) {
      return (await current()).get(aaguid.toLowerCase());
    },
    async info() {
      const text = await store.get(infoKey);
      return text === null ? null : parseInfo(text);
    },
    async save(blob, importedAt) {
      const info: MdsBlobInfo = { no: blob.no, nextUpdate: blob.nextUpdate, importedAt, entries: blob.entries.length };
      const entries = Object.fromEntries(blob.entries.map((entry) => [entry.aaguid, entry]));
      await store.batch().set(entriesKey, JSON.stringify(entries)).set(infoKey, JSON.stringify(info)).exec();
      cached = undefined;
      return info;
    },
  };
}
