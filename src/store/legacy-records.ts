/**
 * Until when the oidc adapter looks for a record of a model saved whole in the hash layout of
 * the releases before JSON text (adapter-record.ts): such a record can only have been written
 * by an instance of an earlier release, and lives at most the longest lifetime of those
 * records. Looking costs a second read on every miss (introspection, for one, misses on
 * purpose: it tries a token as an access token before a client_credentials token), so it stops.
 *
 * The first instance of this release to start on a Redis decides, once for all: when the
 * audit stream already exists, an earlier release has run there, and the adapter looks until
 * the longest record lifetime plus ROLLING_UPGRADE_SECONDS from then;
 * on a Redis without it (a new installation), never. Kept without expiry under
 * `{sessions}:records-layout`; every later start reads it. A record of the old layout written
 * after that (an instance of the earlier release left running, a rollback and a new upgrade)
 * is not seen: its clinician signs in again, its application gets a new token.
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

/** The epoch ms until which the adapter reads the old layout (0: never), decided at the first start. */
export async function legacyRecordsUntil(store: Store, keyNames: KeyNames, options: { longestRecordSeconds: number; now: number }): Promise<number> {
  const markKey = keyNames.custom('sessions', 'records-layout');
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
