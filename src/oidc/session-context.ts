/**
 * Where a session is used from: the browser (a digest of its User-Agent header) and the client
 * address it was opened from, kept in its assurance record, and what to do when a later request
 * comes from another one (sessions.browserChange, sessions.addressChange): ignore it, audit it
 * and go on, ask for a new sign-in (reauthenticate), or end the session and ask for one (end).
 * A move between addresses that are both in declared networks (limits.networks, shared
 * workstations) is a clinician changing ward or workstation, not a change. When both change,
 * the stricter action wins; each change is reported.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config/index.ts';
import { networkMatcher } from '../http/networks.ts';
import { normalizeIp } from '../audit/source.ts';

export type ChangeAction = Config['sessions']['browserChange'];

/** Where the session was opened, or is used now. */
export interface SessionContext {
  /** Digest of the User-Agent header ('' when none was sent). */
  browser: string;
  /** Client address, normalized ('' when unknown). */
  address: string;
}

export interface ContextChange {
  change: 'browser' | 'address';
  action: Exclude<ChangeAction, 'ignore'>;
  /** For an address change: the declared network of each address, when any. */
  fromNetwork?: string | undefined;
  toNetwork?: string | undefined;
}

export interface ContextPolicy {
  /** The changes between where the session was opened and where it is used now (those the policy does not ignore). */
  changes(opened: Partial<SessionContext>, now: SessionContext): ContextChange[];
}

const SEVERITY: Record<ContextChange['action'], number> = { audit: 1, reauthenticate: 2, end: 3 };

/** The strictest action among the changes, if any. */
export function strictestAction(changes: readonly ContextChange[]): ContextChange['action'] | undefined {
  return changes.reduce<ContextChange['action'] | undefined>((worst, c) => (!worst || SEVERITY[c.action] > SEVERITY[worst] ? c.action : worst), undefined);
}

export function contextOf(userAgent: string | undefined, ip: string | undefined): SessionContext {
  return {
    browser: userAgent ? createHash('sha256').update(userAgent).digest('base64url').slice(0, 22) : '',
    address: normalizeIp(ip) ?? '',
  };
}

export function createContextPolicy(config: Pick<Config, 'sessions' | 'limits'>): ContextPolicy {
  const declared = [
    ...config.limits.networks.map((n) => ({ name: n.name, holds: networkMatcher(n.cidrs) })),
    ...(config.sessions.sharedWorkstation.networks.length
      ? [{ name: 'shared-workstation', holds: networkMatcher(config.sessions.sharedWorkstation.networks) }]
      : []),
  ];
  const networkOf = (address: string) => declared.find((n) => n.holds(address))?.name;
  const { browserChange, addressChange } = config.sessions;
  return {
    changes(opened, now) {
      const changes: ContextChange[] = [];
      if (browserChange !== 'ignore' && opened.browser !== undefined && opened.browser !== now.browser) {
        changes.push({ change: 'browser', action: browserChange });
      }
      if (addressChange !== 'ignore' && opened.address && opened.address !== now.address) {
        const fromNetwork = networkOf(opened.address);
        const toNetwork = now.address ? networkOf(now.address) : undefined;
        if (!(fromNetwork && toNetwork)) changes.push({ change: 'address', action: addressChange, fromNetwork, toNetwork });
      }
      return changes;
    },
  };
}
