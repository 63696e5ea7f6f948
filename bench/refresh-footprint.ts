/**
 * What a refresh leaves in Redis: every key under the gateway's prefix is measured (MEMORY
 * USAGE, nothing extrapolated) before and after scenario (a) on the gateway, and the growth of
 * each kind of key is divided by the refreshes made. (a) lasts seconds: the use marks of its
 * rotations, which live a minute, are all still there, and are counted apart. A spent refresh token is kept until it
 * would have expired (4 h by default), so that its reuse is caught, and the grant's token index
 * grows by it and the access token as long as the grant lives; the access token itself lives 10
 * minutes; each refresh's audit event stays until retention trims it. A session whose application refreshes every 10 minutes holds that much
 * more per refresh, on top of what `sessions.ts` measures right after its sign-in.
 */
import type { Redis } from 'ioredis';
import { keyUsage, kindOf } from './redis-footprint.ts';

export interface RefreshFootprint {
  refreshes: number;
  /**
   * Bytes per refresh kept as long as the spent refresh token: every kind of key together but the
   * access tokens (gone after their 10 minutes), the rotations' use marks (a minute,
   * src/store/token-consumption.ts FOLDING_MARK_SECONDS) and the audit trail (kept by retention).
   */
  bytesPerRefresh: number;
  /** Bytes per refresh by kind of key (the audit trail's kinds included), largest first; kinds that shrank are left out. */
  byKind: Record<string, number>;
}

/** Kinds of key not kept as long as the spent refresh token: the audit trail's (retention), the access token's and the use marks' (their own lifetimes). */
const keptOtherwise = (kind: string) => kind.startsWith('audit') || kind === 'AccessToken' || kind.endsWith(':used');

/** Bytes by kind of key under the prefix; a record's use mark (`…:used`) is a kind of its own here (`RefreshToken:used`). */
export async function bytesByKind(redis: Redis, prefix: string): Promise<Map<string, number>> {
  const { byKind } = await keyUsage(redis, prefix, (rest) => `${kindOf(prefix + rest, prefix)}${rest.endsWith(':used') ? ':used' : ''}`);
  return new Map([...byKind].map(([kind, row]) => [kind, row.bytes]));
}

/** The growth from `before` to `after` per refresh. */
export function refreshFootprint(before: Map<string, number>, after: Map<string, number>, refreshes: number): RefreshFootprint {
  const units = Math.max(1, refreshes);
  const grown = [...after]
    .map(([kind, bytes]) => [kind, Math.round((bytes - (before.get(kind) ?? 0)) / units)] as const)
    .filter(([, bytes]) => bytes > 0)
    .sort((a, b) => b[1] - a[1]);
  return {
    refreshes,
    bytesPerRefresh: grown.filter(([kind]) => !keptOtherwise(kind)).reduce((sum, [, bytes]) => sum + bytes, 0),
    byKind: Object.fromEntries(grown),
  };
}
