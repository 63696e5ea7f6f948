/**
 * How the current gateway session was authenticated, kept beside it (keyed by the session
 * uid, same lifetime): the method, level, phishing resistance, when the clinician signed in
 * and was last seen. Checked at every authorization request (step-up, idle and absolute
 * session lifetimes) and cleared when the session ends.
 */
import type { Store } from '../store/store.ts';
import type { Keys } from '../store/keys.ts';
import type { AssuranceResult } from './psc-level.ts';

export interface SessionAssurance extends AssuranceResult {
  accountId: string;
  /** Epoch ms of the authentication. */
  loginAt: number;
  /** Epoch ms of the last authorization request served by this session. */
  lastSeenAt: number;
  /** Session profile that set its lifetimes. */
  profile: string;
  /** Epoch ms when an administrator ended the session (`npm run admin -- end-sessions`). */
  revokedAt?: number;
}

export interface SessionAssuranceStore {
  get(sessionUid: string): Promise<SessionAssurance | undefined>;
  save(sessionUid: string, record: SessionAssurance, ttlSeconds: number): Promise<void>;
  delete(sessionUid: string): Promise<void>;
}

export function createSessionAssuranceStore(store: Store, keys: Keys): SessionAssuranceStore {
  const key = (uid: string) => keys.custom(`su:${uid}`, 'assurance');
  return {
    async get(uid) {
      const raw = await store.get(key(uid));
      return raw ? (JSON.parse(raw) as SessionAssurance) : undefined;
    },
    async save(uid, record, ttlSeconds) {
      await store.set(key(uid), JSON.stringify(record), ttlSeconds);
    },
    async delete(uid) {
      await store.del(key(uid));
    },
  };
}
