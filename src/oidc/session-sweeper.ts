/**
 * Ends sessions that reached their idle or absolute limit even when nobody comes back, and
 * those an administrator revoked (admin CLI, which cannot sign logout tokens itself):
 * every few seconds one instance (a lock in the store) takes the sessions whose deadline
 * passed, re-checks it, tells each relying party of the session by back-channel logout,
 * revokes the session's grants (tokens) and deletes the session.
 */
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { SessionAssurance, SessionAssuranceStore } from '../assurance/index.ts';
import type { AuditRecorder } from '../audit/types.ts';
import type { Store } from '../store/store.ts';
import { isStoreUnavailable, outageCause } from '../store/unavailable.ts';
import type { KeyNames } from '../store/key-names.ts';
import type { SessionLifetimes } from './session-limits.ts';

/** Sorted set of session uids by deadline: the sweeper's work list, and every live session. */
export const sessionDeadlinesKey = (keyNames: KeyNames): string => keyNames.custom('sessions', 'deadlines');

export interface SessionSweeperDeps {
  provider: Provider;
  store: Store;
  sessions: SessionAssuranceStore;
  lifetimes: SessionLifetimes;
  deadlinesKey: string;
  lockKey: string;
  clock: () => number;
  logger: Logger;
  audit: AuditRecorder;
}

interface BackchannelClient {
  backchannelLogoutUri?: string;
  backchannelLogout(sub: string, sid: string): Promise<void>;
}

export interface SessionSweeper {
  /** One pass; returns how many sessions it ended. */
  sweep(limit?: number): Promise<number>;
  start(intervalMs: number): void;
  stop(): void;
}

/** What the sweeper read of a session's assurance: the record, none, or one it could not read. */
type SweptRecord = { record: SessionAssurance | undefined; unreadable?: true };

/** `unreadable` (its record could not be read: ended, since its assurance is unknown), `revoked` (by an administrator), `absolute` or `idle`. */
function sessionEndReason(deps: SessionSweeperDeps, { record, unreadable }: SweptRecord): 'unreadable' | 'revoked' | 'absolute' | 'idle' {
  if (unreadable) return 'unreadable';
  if (record?.revokedAt !== undefined) return 'revoked';
  return record && deps.clock() > record.loginAt + deps.lifetimes.limits(record.profile).absoluteMs ? 'absolute' : 'idle';
}

export function createSessionSweeper(deps: SessionSweeperDeps): SessionSweeper {
  let timer: NodeJS.Timeout | undefined;

  async function endSession(uid: string, swept: SweptRecord): Promise<void> {
    const { record } = swept;
    const session = await deps.provider.Session.findByUid(uid);
    if (session?.accountId) {
      const reason = sessionEndReason(deps, swept);
      await deps.audit.record({
        type: 'session.expired',
        outcome: 'info',
        actor: session.accountId,
        reason,
        details: {
          profile: record?.profile ?? null,
          clients: Object.keys(session.authorizations ?? {}),
          // How long it was usable since the authentication (until its deadline, not the sweep that found it): the RIE report counts those past 4 h.
          lastedMinutes: record ? Math.max(0, Math.round((Math.min(deps.clock(), deps.lifetimes.deadline(record)) - record.loginAt) / 60_000)) : null,
        },
      });
      for (const [clientId, authorization] of Object.entries(session.authorizations ?? {})) {
        const { sid, grantId } = authorization as { sid?: string; grantId?: string };
        const client = (await deps.provider.Client.find(clientId)) as unknown as BackchannelClient | undefined;
        if (client?.backchannelLogoutUri && sid) {
          const outcome = await client.backchannelLogout(session.accountId, sid).then(
            () => undefined,
            (err: Error) => err,
          );
          if (outcome) deps.logger.warn({ clientId, detail: outcome.message }, 'back-channel logout of an ended session failed');
          await deps.audit.record({
            type: 'logout.backchannel',
            outcome: outcome ? 'failure' : 'success',
            actor: session.accountId,
            clientId,
            reason: outcome ? outcome.message.slice(0, 120) : 'session-expired',
          });
        }
        if (grantId) {
          await deps.provider.AccessToken.revokeByGrantId(grantId);
          await deps.provider.Grant.adapter.destroy(grantId);
        }
      }
      await session.destroy();
      deps.logger.info({ idNat: session.accountId, reason }, 'session ended');
    }
    await deps.sessions.delete(uid);
    await deps.store.zrem(deps.deadlinesKey, uid);
  }

  /**
   * A session's assurance record, or none. One it cannot read (damaged; a later release's format
   * after a rollback) is logged with its key and ends its session — fail closed, the assurance
   * being unknown — rather than stopping every sweep at it; a store outage still stops the sweep.
   */
  async function readRecord(uid: string): Promise<SweptRecord> {
    try {
      return { record: await deps.sessions.get(uid) };
    } catch (err) {
      if (isStoreUnavailable(err)) throw err;
      deps.logger.error({ err }, 'session sweep: a session record cannot be read; its session is ended');
      return { record: undefined, unreadable: true };
    }
  }

  async function sweep(limit = 100): Promise<number> {
    if (!(await deps.store.setIfAbsent(deps.lockKey, String(process.pid), 60))) return 0;
    let ended = 0;
    try {
      for (const uid of await deps.store.zrangeUpTo(deps.deadlinesKey, deps.clock(), limit)) {
        const swept = await readRecord(uid);
        if (swept.record) {
          const deadline = deps.lifetimes.deadline(swept.record);
          if (deadline > deps.clock()) {
            await deps.store.zadd(deps.deadlinesKey, deadline, uid);
            continue;
          }
        }
        await endSession(uid, swept);
        ended += 1;
      }
    } finally {
      await deps.store.del(deps.lockKey);
    }
    return ended;
  }

  return {
    sweep,
    start(intervalMs) {
      // A store outage is one warning when it begins and one line when sweeps work again,
      // not a stack trace every few seconds; any other failure is logged with its stack.
      let outage = false;
      timer = setInterval(() => {
        sweep().then(
          () => {
            if (outage) deps.logger.info('session sweep: the store answers again, sweeps resumed');
            outage = false;
          },
          (err: unknown) => {
            if (!isStoreUnavailable(err)) {
              deps.logger.error({ err }, 'session sweep failed');
            } else if (!outage) {
              outage = true;
              deps.logger.warn({ detail: outageCause(err) }, 'session sweep skipped: store unavailable (retried every sweep, quietly until it answers)');
            }
          },
        );
      }, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
