/**
 * Until when the oidc adapter looks for a record in the hash layout of the releases before JSON
 * text (adapter-record.ts): such a record can only have been written by an instance of an
 * earlier release, and lives at most the longest lifetime of those records. Decided for each
 * layout change on its own (RecordLayout): the records saved whole moved to JSON text a release
 * before those oidc-provider consumes (codes, refresh tokens), so an upgrade gives each its own
 * window, from the first start of the release that moved it. Looking costs a second read on every miss (introspection, for one, misses on
 * purpose: it tries a token as an access token before a client_credentials token), so it stops.
 *
 * The first instance of this release to start on a Redis decides, once for all: when the
 * audit stream already exists, an earlier release has run there, and the adapter looks until
 * the longest record lifetime plus ROLLING_UPGRADE_SECONDS from then;
 * on a Redis without it (a new installation), never. Kept without expiry under
 * `{sessions}:records-layout` (records saved whole), `{sessions}:consumables-layout`,
 * `{sessions}:grant-index-layout`, `{sessions}:record-ids-layout`,
 * `{sessions}:token-index-fields-layout`, `{sessions}:token-claims-layout`,
 * `{sessions}:assurance-fields-layout` and `{sessions}:session-ids-layout`; every later start reads
 * it. A record of the old layout written after that (an instance of the earlier release left
 * running, a rollback and a new upgrade) is not seen: its clinician signs in again, its
 * application gets a new token.
 */
import type { KeyNames } from './key-names.ts';
import type { Store } from './store.ts';

/** Added to the longest record lifetime: instances of the earlier release may write the old layout while the upgrade rolls. */
export const ROLLING_UPGRADE_SECONDS = 3600;

interface LayoutMark {
  /** When the first instance writing JSON text started (epoch ms). */
  since: number;
  /** Until when the old layout is looked for (epoch ms); 0: never. */
  legacyUntil: number;
}

/**
 * Which layout change: the records oidc-provider saves whole, those it consumes, the index of a
 * grant's tokens (grant-token-index.ts), for which the window is the time during which tokens
 * are also listed where the releases before look (their revocations then delete them), or the
 * records' text without their `jti` (record-defaults.ts), for which it is the time during which
 * records keep it (the releases before the eleventh round read a record without it as one with no
 * id: its consumption marks nothing), or the index's fields in two letters (grant-token-index.ts),
 * for which it is the time during which tokens are listed under their model's name (the releases
 * before the thirteenth round read only that name: their revocations would miss the token), or
 * a code's and token's default claims stored as `1` (record-defaults.ts), for which it is the
 * time during which they are stored as they are (those releases would read `1` as no claims), or
 * a session's assurance record as an array of its fields (assurance/session-assurance-text.ts),
 * for which it is the time during which it is stored as the object those releases read, or a
 * Session's id kept in its session's record rather than in a uid index (session-record.ts), for
 * which it is the time during which it is written to the index (the releases before the fourteenth
 * round look nowhere else, and would read the record with the id as damaged).
 */
export type RecordLayout = 'whole' | 'consumable' | 'grant-index' | 'record-ids' | 'token-index-fields' | 'token-claims' | 'assurance-fields' | 'session-ids';

const MARK_NAMES: Record<RecordLayout, string> = {
  whole: 'records-layout',
  consumable: 'consumables-layout',
  'grant-index': 'grant-index-layout',
  'record-ids': 'record-ids-layout',
  'token-index-fields': 'token-index-fields-layout',
  'token-claims': 'token-claims-layout',
  'assurance-fields': 'assurance-fields-layout',
  'session-ids': 'session-ids-layout',
};

/** The epoch ms until which the adapter reads the old layout (0: never), decided at the first start. */
export async function legacyRecordsUntil(
  store: Store,
  keyNames: KeyNames,
  options: { longestRecordSeconds: number; now: number; layout?: RecordLayout },
): Promise<number> {
  const markKey = keyNames.custom('sessions', MARK_NAMES[options.layout ?? 'whole']);
  const existing = readMark(await store.get(markKey));
  if (existing) return existing.legacyUntil;
  const earlierReleaseRan = (await store.ttl(keyNames.custom('audit', 'stream'))) !== -2;
  const mark: LayoutMark = {
    since: options.now,
    legacyUntil: earlierReleaseRan ? options.now + (options.longestRecordSeconds + ROLLING_UPGRADE_SECONDS) * 1000 : 0,
  };
  if (await store.setIfAbsent(markKey, JSON.stringify(mark))) return mark.legacyUntil;
  // Another instance decided first.
  return readMark(await store.get(markKey))?.legacyUntil ?? mark.legacyUntil;
}

/**
 * Every window, as the adapter takes them (AdapterOptions): from the longest lifetime of the
 * records saved whole, of those consumed, of the tokens a grant lists (the consumed ones' and
 * access tokens': longestTokenSeconds; for the index's set, its fields' names and the tokens'
 * default claims), and of any record (the record ids'). The assurance record's and the session
 * ids' windows are the session's (gateway.ts decides them with legacyRecordsUntil).
 */
export async function legacyLayoutsUntil(
  store: Store,
  keyNames: KeyNames,
  options: { longestWholeSeconds: number; longestConsumableSeconds: number; longestTokenSeconds: number; now: number },
): Promise<{
  legacyRecordsUntil: number;
  legacyConsumablesUntil: number;
  legacyGrantSetsUntil: number;
  recordIdsKeptUntil: number;
  longTokenFieldsUntil: number;
  defaultClaimsKeptUntil: number;
}> {
  const { now } = options;
  const longestRecordSeconds = Math.max(options.longestWholeSeconds, options.longestConsumableSeconds);
  return {
    legacyRecordsUntil: await legacyRecordsUntil(store, keyNames, { longestRecordSeconds: options.longestWholeSeconds, now }),
    legacyConsumablesUntil: await legacyRecordsUntil(store, keyNames, { longestRecordSeconds: options.longestConsumableSeconds, now, layout: 'consumable' }),
    legacyGrantSetsUntil: await legacyRecordsUntil(store, keyNames, { longestRecordSeconds: options.longestTokenSeconds, now, layout: 'grant-index' }),
    recordIdsKeptUntil: await legacyRecordsUntil(store, keyNames, { longestRecordSeconds, now, layout: 'record-ids' }),
    longTokenFieldsUntil: await legacyRecordsUntil(store, keyNames, { longestRecordSeconds: options.longestTokenSeconds, now, layout: 'token-index-fields' }),
    defaultClaimsKeptUntil: await legacyRecordsUntil(store, keyNames, { longestRecordSeconds: options.longestTokenSeconds, now, layout: 'token-claims' }),
  };
}

/** A damaged mark is read as none (decided again: the stream's existence gives the same answer while it is recent). */
function readMark(raw: string | null): LayoutMark | undefined {
  if (raw === null) return undefined;
  try {
    const mark = JSON.parse(raw) as Partial<LayoutMark>;
    return typeof mark.since === 'number' && typeof mark.legacyUntil === 'number' ? { since: mark.since, legacyUntil: mark.legacyUntil } : undefined;
  } catch {
    return undefined;
  }
}
