/**
 * The live sessions an administrator acts on, and how the admin CLI ends them.
 *
 * Sessions are found through the sweeper's deadline list (every live session is on it) and
 * their assurance records (who, how, when). Ending one from the CLI, which has no signing
 * keys loaded to send logout tokens itself, is done in three steps:
 *   1. the session's authentication is revoked (beside its assurance record): at once, no
 *      instance lets the session sign anyone into an application again (the session check
 *      asks for a new sign-in);
 *   2. the grants of its applications are destroyed with their tokens: refresh tokens and
 *      access tokens stop working at once;
 *   3. its deadline is set to now: the next sweep (every SESSION_SWEEP_SECONDS, on any
 *      instance) tells the applications by back-channel logout and deletes the session.
 */
import { createSessionAssuranceStore, type SessionAssurance } from '../assurance/index.ts';
import { createAdapterFactory, legacyLayoutsUntil, type AdapterFactory } from '../store/index.ts';
import { longestTokenSeconds, longestWholeRecordSeconds } from '../oidc/token-lifetimes.ts';
import { assuranceTtlSeconds } from '../oidc/assurance-check.ts';
import { createSessionLifetimes } from '../oidc/session-limits.ts';
import { sessionDeadlinesKey } from '../oidc/session-sweeper.ts';
import type { AdminContext } from './context.ts';

export interface LiveSession {
  uid: string;
  record: SessionAssurance;
  /** Application client_id → the grant its tokens belong to. */
  grants: Map<string, string | undefined>;
}

/** Sessions read per round of store calls (they are spread over the cluster's slots). */
const CHUNK = 200;

export interface AdminSessions {
  /** Live sessions whose assurance record passes `filter`. */
  find(filter: (record: SessionAssurance) => boolean): Promise<LiveSession[]>;
  /** Ends these sessions (steps above); returns how many. */
  end(sessions: LiveSession[]): Promise<number>;
  /** Destroys the grants (and tokens) one application holds in these sessions; returns how many still existed. */
  revokeGrantsOf(clientId: string, sessions: LiveSession[]): Promise<number>;
}

export function createAdminSessions(ctx: AdminContext, clock: () => number = Date.now): AdminSessions {
  const assurance = createSessionAssuranceStore(ctx.store, ctx.keyNames);
  const lifetimes = createSessionLifetimes(ctx.config.sessions);
  const deadlines = sessionDeadlinesKey(ctx.keyNames);
  // The provider's records as the gateways read them: also, in the window after an upgrade,
  // those still in the layout of the release before (store/legacy-records.ts), so that a
  // session saved by it is found and its grants are destroyed. Decided at the first use.
  let adapters: Promise<AdapterFactory> | undefined;
  const model = async (name: 'Session' | 'Grant' | 'AccessToken') => {
    adapters ??= legacyLayoutsUntil(ctx.store, ctx.keyNames, {
      longestWholeSeconds: longestWholeRecordSeconds(ctx.config),
      longestConsumableSeconds: longestTokenSeconds(ctx.config.ttl),
      longestTokenSeconds: longestTokenSeconds(ctx.config.ttl),
      now: clock(),
    }).then((legacyUntil) => createAdapterFactory(ctx.store, ctx.keyNames, legacyUntil));
    try {
      return (await adapters)(name);
    } catch (err) {
      adapters = undefined; // the store did not answer: decided again at the next use
      throw err;
    }
  };

  async function load(uid: string, filter: (record: SessionAssurance) => boolean): Promise<LiveSession | undefined> {
    const record = await assurance.get(uid);
    if (!record || !filter(record) || lifetimes.deadline(record) <= clock()) return undefined;
    const session = await (await model('Session')).findByUid(uid);
    const authorizations = (session?.authorizations ?? {}) as Record<string, { grantId?: string }>;
    return { uid, record, grants: new Map(Object.entries(authorizations).map(([clientId, a]) => [clientId, a.grantId])) };
  }

  async function destroyGrant(grantId: string): Promise<void> {
    await (await model('AccessToken')).revokeByGrantId(grantId);
    await (await model('Grant')).destroy(grantId);
  }

  return {
    async find(filter) {
      const uids = await ctx.store.zrangeUpTo(deadlines, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      const found: LiveSession[] = [];
      for (let i = 0; i < uids.length; i += CHUNK) {
        const loaded = await Promise.all(uids.slice(i, i + CHUNK).map((uid) => load(uid, filter)));
        found.push(...loaded.filter((s): s is LiveSession => s !== undefined));
      }
      return found.sort((a, b) => a.record.loginAt - b.record.loginAt);
    },

    async end(sessions) {
      for (const session of sessions) {
        const now = clock();
        await assurance.revoke(session.uid, now, assuranceTtlSeconds(lifetimes, session.record, now));
        for (const grantId of session.grants.values()) if (grantId) await destroyGrant(grantId);
        await ctx.store.zadd(deadlines, now, session.uid);
      }
      return sessions.length;
    },

    async revokeGrantsOf(clientId, sessions) {
      let revoked = 0;
      for (const session of sessions) {
        const grantId = session.grants.get(clientId);
        if (!grantId || !(await (await model('Grant')).find(grantId))) continue;
        await destroyGrant(grantId);
        revoked += 1;
      }
      return revoked;
    },
  };
}
