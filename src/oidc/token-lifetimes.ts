/**
 * The longest lifetime a token of a grant is saved with: the grant's token index in the store
 * is kept that long from its last write (store/oidc-adapter.ts, longestTokenSeconds). And the
 * longest lifetime of a record saved whole (store/legacy-records.ts).
 */
import type { Config } from '../config/index.ts';

/** Of the tokens oidc-provider saves under a grant (codes, access and refresh tokens), the longest TTL in seconds. */
export function longestTokenSeconds(ttl: Pick<Config['ttl'], 'accessToken' | 'authorizationCode' | 'refreshToken'>): number {
  return Math.max(ttl.accessToken, ttl.authorizationCode, ttl.refreshToken);
}

/** The provider's Session lifetime: the longest a session may last, on a shared workstation or not (seconds). */
export function sessionSeconds(sessions: Pick<Config['sessions'], 'absoluteMinutes' | 'sharedWorkstation'>): number {
  return Math.max(sessions.absoluteMinutes, sessions.sharedWorkstation.absoluteMinutes) * 60;
}

/** Of the records oidc-provider saves whole (sessions, interactions, grants, access tokens), the longest lifetime in seconds. */
export function longestWholeRecordSeconds(config: Pick<Config, 'ttl' | 'sessions'>): number {
  return Math.max(sessionSeconds(config.sessions), config.ttl.grant, config.ttl.interaction, config.ttl.accessToken);
}
