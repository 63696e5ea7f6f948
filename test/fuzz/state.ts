/**
 * What a refused request may change in the store, and a probe that proves it changed nothing
 * else: a snapshot is every key under the stack's prefix with its type and DUMP (value only;
 * a TTL is not state a refusal could forge), compared before and after the request.
 *
 * ```ts
 * const probe = stateProbe(stack.prefix);
 * const before = await probe.snapshot();
 * // … a request that was refused …
 * assert.deepEqual(stateChanges(before, await probe.snapshot()), []);
 * ```
 */
import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from '../support/redis.ts';

/** Keys (relative to the prefix) with their `type:dump` (hex), bookkeeping of refusals left out. */
export interface Snapshot {
  /** Epoch ms when the snapshot was taken. */
  takenAt: number;
  values: Map<string, string>;
  /** Epoch ms when keys with a TTL expire (an expiry between two snapshots is not a change). */
  expiresAt: Map<string, number>;
}

/**
 * Keys a refused request may write without that being a state change: bookkeeping of the
 * refusal itself, or of work that runs whatever the requests are.
 */
export function isRefusalBookkeeping(key: string): boolean {
  // The audit trail (`{audit}:stream`, its chain head `{audit}:head`, the trim marker, the
  // retention lock and the search index `{audit}:ix:…`): a refusal worth knowing (psc.failed, signin.failed, …) is an audit event,
  // chained, so the stream and its head move with every refusal.
  if (key.startsWith('{audit}:')) return true;
  // Pilot aggregates, fed by those audit events as they are chained (failure counters per day,
  // the `attempt` marker of a failed key used to find fall-backs).
  if (key.includes('{pilot}')) return true;
  // A practitioner's activity index (`{a:<idNat>}:activity`, shown in /account): derived from the
  // audit events that name them, failures included (accounts/activity.ts, http/audit.ts).
  if (/^\{a:[^}]+\}:activity$/.test(key)) return true;
  // Abuse-limit counters: counting refusals (failed client authentications, sign-in steps) is
  // their job. The fuzz stacks run with limits off, but a counter would still be legitimate.
  if (key.includes('rl:')) return true;
  // The session sweeper's lock: taken on a timer by the instance that sweeps, not by requests.
  if (key === '{sessions}:sweep-lock') return true;
  return false;
}

/**
 * Single-use values some refusals consume (delete) on purpose: the value is taken before
 * anything else is checked, so that it answers at most one attempt, good or bad.
 */
export const CONSUMED_ON_REFUSAL = {
  /** A WebAuthn challenge of an interaction: any …/verify takes it (webauthn/ceremony-state.ts). */
  ceremonyChallenge: /^\{i:[A-Za-z0-9_-]+\}:webauthn-(?:auth|reg|2fa)$/,
  /** A PSC round trip's state: the callback takes it, whatever comes with it (federation/psc-login.ts). */
  pscState: /^\{psc:[A-Za-z0-9_-]+\}:state$/,
} as const;

/**
 * Values some refusals write on purpose: why the PSC round trip of an interaction failed, so
 * that going back tells the relying party the right error (interactions/abort.ts). Only when
 * the callback's state was a real one (it names the interaction).
 */
export const WRITTEN_ON_REFUSAL = {
  pscFailure: /^\{i:[A-Za-z0-9_-]+\}:psc-failure$/,
} as const;

export interface Allowance {
  /** Keys that may disappear (present before, absent after, never changed). */
  consumed?: RegExp[];
  /** Keys that may be created or rewritten. */
  written?: RegExp[];
}

/** The differences between two snapshots that no allowance covers, one line each (empty: none). */
export function stateChanges(before: Snapshot, after: Snapshot, allowance: Allowance = {}): string[] {
  const changes: string[] = [];
  const matches = (patterns: RegExp[] | undefined, key: string) => (patterns ?? []).some((p) => p.test(key));
  for (const [key, value] of before.values) {
    const now = after.values.get(key);
    if (now === value) continue;
    if (matches(allowance.written, key)) continue;
    if (now === undefined && matches(allowance.consumed, key)) continue;
    // Its TTL ran out meanwhile (e.g. an unredeemed authorization code, 60 s).
    if (now === undefined && (before.expiresAt.get(key) ?? Infinity) <= after.takenAt + 1000) continue;
    changes.push(now === undefined ? `deleted ${key}` : `changed ${key}`);
  }
  for (const key of after.values.keys()) {
    if (!before.values.has(key) && !matches(allowance.written, key)) changes.push(`created ${key}`);
  }
  return changes;
}

export interface StateProbe {
  /** Every key under the prefix (except refusal bookkeeping) with its type and value. */
  snapshot(): Promise<Snapshot>;
  close(): Promise<void>;
}

export async function stateProbe(prefix: string): Promise<StateProbe> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  return {
    async snapshot() {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        keys.push(...found.filter((k) => !isRefusalBookkeeping(k.slice(prefix.length))));
      } while (cursor !== '0');
      const takenAt = Date.now();
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.type(key).dumpBuffer(key).pttl(key);
      const replies = (await pipeline.exec()) ?? [];
      const snapshot: Snapshot = { takenAt, values: new Map(), expiresAt: new Map() };
      keys.forEach((key, i) => {
        const [typeError, type] = replies[3 * i] ?? [];
        const [dumpError, dump] = replies[3 * i + 1] ?? [];
        const [, ttl] = replies[3 * i + 2] ?? [];
        if (typeError || dumpError || type === 'none' || dump === null) return; // expired between SCAN and DUMP
        const name = key.slice(prefix.length);
        snapshot.values.set(name, `${String(type)}:${(dump as Buffer).toString('hex')}`);
        if (typeof ttl === 'number' && ttl >= 0) snapshot.expiresAt.set(name, takenAt + ttl);
      });
      return snapshot;
    },
    async close() {
      redis.disconnect();
    },
  };
}
