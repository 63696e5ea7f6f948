/**
 * Session lifetimes: an idle limit and an absolute limit, shorter for shared workstations
 * (chosen by the client's `session_profile` or by the client network). When several
 * profiles apply, the strictest wins. A session an administrator revoked ends at once.
 */
import { networkMatcher } from '../http/networks.ts';
import type { Config } from '../config/index.ts';
import type { SessionAssurance } from '../assurance/index.ts';

export type SessionProfile = 'default' | 'shared-workstation';

export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
}

/** A session's lifetimes by profile, and its deadline. */
export interface SessionLifetimes {
  profileFor(clientProfile: SessionProfile, ip: string | undefined): SessionProfile;
  limits(...profiles: string[]): SessionLimits;
  /** When the session ends if nothing happens (epoch ms); at once when an administrator revoked it. */
  deadline(record: Pick<SessionAssurance, 'loginAt' | 'lastSeenAt' | 'profile' | 'revokedAt'>, ...otherProfiles: string[]): number;
}

/** What the lifetimes read of the configuration's `sessions`. */
export type SessionLifetimeSettings = Pick<Config['sessions'], 'idleMinutes' | 'absoluteMinutes' | 'sweepSeconds'> & {
  sharedWorkstation: Pick<Config['sessions']['sharedWorkstation'], 'idleMinutes' | 'absoluteMinutes' | 'networks'>;
};

export function createSessionLifetimes(sessions: SessionLifetimeSettings): SessionLifetimes {
  const onSharedNetwork = networkMatcher(sessions.sharedWorkstation.networks);
  const byProfile: Record<SessionProfile, SessionLimits> = {
    default: { idleMs: sessions.idleMinutes * 60_000, absoluteMs: sessions.absoluteMinutes * 60_000 },
    'shared-workstation': { idleMs: sessions.sharedWorkstation.idleMinutes * 60_000, absoluteMs: sessions.sharedWorkstation.absoluteMinutes * 60_000 },
  };
  const limits = (...profiles: string[]): SessionLimits => {
    const chosen = profiles.map((p) => byProfile[p as SessionProfile] ?? byProfile.default);
    return { idleMs: Math.min(...chosen.map((l) => l.idleMs)), absoluteMs: Math.min(...chosen.map((l) => l.absoluteMs)) };
  };
  return {
    profileFor(clientProfile, ip) {
      if (clientProfile === 'shared-workstation') return clientProfile;
      return onSharedNetwork(ip) ? 'shared-workstation' : 'default';
    },
    limits,
    deadline(record, ...otherProfiles) {
      const l = limits(record.profile, ...otherProfiles);
      return Math.min(record.loginAt + l.absoluteMs, record.lastSeenAt + l.idleMs, record.revokedAt ?? Number.POSITIVE_INFINITY);
    },
  };
}
