/**
 * The accounts this process read or wrote lately, kept in memory for a short, explicit time, so
 * that the requests of one sign-in (the key check, the return to the application, the code
 * exchange, the first userinfo call: four requests within a second or so) read a clinician's
 * account from Redis once, not four times.
 *
 * Bounds: an entry is used for at most `maxAgeMs` after it was read or written (default
 * RECENT_ACCOUNT_MS), and at most `maxEntries` accounts are kept (the least recently stored go
 * first). What it may miss: an account rewritten by another instance (a PSC sign-in there
 * replaces the profile) is seen here at most `maxAgeMs` late — as if that sign-in had happened
 * that much later. This process's own writes are stored here as they are made, and a read
 * that began before one of them never replaces it. An absent account is never kept: one created
 * by another instance is seen at once.
 */
import { setBounded } from '../store/bounded-map.ts';

/** How long a read account is used again without asking Redis. */
export const RECENT_ACCOUNT_MS = 2_000;
/** How many accounts are kept at most. */
export const RECENT_ACCOUNTS_MAX = 10_000;

export interface RecentAccountsOptions {
  maxAgeMs?: number;
  maxEntries?: number;
  clock?: () => number;
}

export interface RecentAccounts {
  /** The stored text of the account, when read or written here within the bound. */
  get(idNat: string): string | undefined;
  /** When a read of this account began: what it gives is kept only if nothing was written here since. */
  readStarts(idNat: string): number;
  /** What a read that began at `startedAt` gave. */
  rememberRead(idNat: string, raw: string, startedAt: number): void;
  /** What this process just wrote. */
  rememberWrite(idNat: string, raw: string): void;
  forget(idNat: string): void;
}

export function createRecentAccounts(options: RecentAccountsOptions = {}): RecentAccounts {
  const maxAgeMs = options.maxAgeMs ?? RECENT_ACCOUNT_MS;
  const maxEntries = options.maxEntries ?? RECENT_ACCOUNTS_MAX;
  const clock = options.clock ?? Date.now;
  const entries = new Map<string, { raw: string; at: number }>();
  /** Writes made here, by account, counted: a read that began before the last one is stale. */
  const writes = new Map<string, number>();
  let writeCount = 0;
  const store = (idNat: string, raw: string) => {
    if (maxAgeMs > 0) setBounded(entries, idNat, { raw, at: clock() }, maxEntries);
  };
  return {
    get(idNat) {
      const entry = entries.get(idNat);
      if (!entry) return undefined;
      if (clock() - entry.at < maxAgeMs) return entry.raw;
      entries.delete(idNat);
      return undefined;
    },
    readStarts: () => writeCount,
    rememberRead(idNat, raw, startedAt) {
      if ((writes.get(idNat) ?? -1) >= startedAt) return;
      store(idNat, raw);
    },
    rememberWrite(idNat, raw) {
      setBounded(writes, idNat, writeCount++, maxEntries);
      store(idNat, raw);
    },
    forget(idNat) {
      setBounded(writes, idNat, writeCount++, maxEntries);
      entries.delete(idNat);
    },
  };
}
