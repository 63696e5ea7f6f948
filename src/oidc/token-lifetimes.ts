/**
 * The longest lifetime a token of a grant is saved with: the grant's token index in the store
 * is kept that long from its last write (store/oidc-adapter.ts, longestTokenSeconds).
 */
import type { Config } from '../config/index.ts';

/** Of the tokens oidc-provider saves under a grant (codes, access and refresh tokens), the longest TTL in seconds. */
export function longestTokenSeconds(ttl: Pick<Config['ttl'], 'accessToken' | 'authorizationCode' | 'refreshToken'>): number {
  return Math.max(ttl.accessToken, ttl.authorizationCode, ttl.refreshToken);
}
