/**
 * A refresh of a session's tokens counts as the session's activity (its idle limit): after a
 * successful refresh_token grant, before the answer leaves, the session's assurance record gets
 * the refresh's time (a sweep right after the answer sees it). Only the record is written: a
 * refresh moves the deadline later, never earlier, so the sweeper's entry stays where it is —
 * when its time comes the sweeper re-reads the record and moves the entry to the new deadline
 * (session-sweeper.ts), once per idle period instead of a ZADD on every refresh. Nothing is
 * written when the stored activity is recent enough (activityWriteIntervalMs), and nothing read
 * either when this process knows it (recent-activity.ts); an ended session is left alone.
 *
 * The record is read as soon as the refresh grant knows the token's session — where oidc-provider
 * asks whether to rotate the token, right before it consumes it — so that the read goes to Redis
 * with the consumption's claim, not in a round trip of its own once the answer is ready. A
 * hospital application refreshes each session's tokens every few minutes: nearly every refresh
 * in production reads it. Best effort: a failure to record the activity does not fail the refresh.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { SessionAssurance } from '../assurance/index.ts';
import { assuranceTtlSeconds, type AssuranceCheckDeps } from './assurance-check.ts';
import { createRecentActivity, type RecentActivity } from './recent-activity.ts';

/**
 * How recent a session's stored activity may be for a refresh to leave it as it is: a minute,
 * or a thirtieth of the idle limit when that is shorter. An application refreshing several
 * times a minute then costs one write a minute, not one per refresh; the idle limit can only
 * come that much EARLIER than the last refresh says (never later).
 */
export function activityWriteIntervalMs(idleMs: number): number {
  return Math.min(60_000, Math.floor(idleMs / 30));
}

export interface RefreshActivity {
  /** oidc-provider's `rotateRefreshToken`: every refresh rotates its token; the session's record is read now. */
  rotateRefreshToken(ctx: KoaContextWithOIDC): boolean;
  /** Koa middleware: once a refresh has answered 200, records its session's activity from that read. */
  middleware(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void>;
}

export function refreshActivity(deps: AssuranceCheckDeps): RefreshActivity {
  const recent = createRecentActivity();
  /** The session record read by each refresh, by its oidc context, for the middleware to take. */
  const reads = new WeakMap<object, Promise<SessionAssurance | undefined>>();
  return {
    rotateRefreshToken(ctx) {
      const uid = sessionUidOf(ctx);
      if (uid && !recent.covers(uid, deps.clock())) {
        const read = deps.sessions.get(uid);
        // Taken only by a refresh that answers 200; a failed one's read is nobody's to report.
        read.catch(() => undefined);
        reads.set(ctx.oidc, read);
      }
      return true;
    },
    async middleware(ctx, next) {
      await next();
      if (ctx.status !== 200 || (ctx.oidc as KoaContextWithOIDC['oidc'] | undefined)?.params?.grant_type !== 'refresh_token') return;
      const uid = sessionUidOf(ctx);
      if (!uid) return;
      await touch(deps, uid, recent, reads.get(ctx.oidc)).catch(() => {
        /* activity tracking is best effort */
      });
    },
  };
}

/** The session of the refresh token this refresh grant presented, once oidc-provider has loaded it. */
function sessionUidOf(ctx: KoaContextWithOIDC): string | undefined {
  return (ctx.oidc.entities.RefreshToken as { sessionUid?: string } | undefined)?.sessionUid;
}

/** Writes the session's activity when its stored one is older than the interval; `read`, the record read early, if it was. */
async function touch(deps: AssuranceCheckDeps, uid: string, recent: RecentActivity, read?: Promise<SessionAssurance | undefined>): Promise<void> {
  if (!read && recent.covers(uid, deps.clock())) return;
  const record = await (read ?? deps.sessions.get(uid));
  const now = deps.clock();
  if (!record || deps.lifetimes.deadline(record) < now) return;
  const interval = activityWriteIntervalMs(deps.lifetimes.limits(record.profile).idleMs);
  if (now - record.lastSeenAt < interval) {
    recent.remember(uid, record.lastSeenAt + interval);
    return;
  }
  const touched = { ...record, lastSeenAt: now };
  await deps.sessions.save(uid, touched, assuranceTtlSeconds(deps.lifetimes, touched, now));
  recent.remember(uid, now + interval);
}
