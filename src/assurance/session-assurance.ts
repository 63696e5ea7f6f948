/**
 * How the current gateway session was authenticated, kept beside it (keyed by the session
 * uid, same lifetime): the method, level, phishing resistance, when the clinician signed in
 * and was last seen. Checked at every authorization request (step-up, idle and absolute
 * session lifetimes) and cleared when the session ends.
 *
 * An administrator's revocation is a key of its own beside the record, so that an instance
 * saving the record at the same moment (a refresh, an authorization in flight) cannot undo
 * it. It applies to the authentication it found: a sign-in after it starts afresh.
 *
 * The record's text is a JSON array of its fields (session-assurance-text.ts), or, within the
 * window after an upgrade, the object the releases before read. It is one part of the session's
 * record (store/session-record.ts), beside the session's id, which the oidc adapter writes.
 */
import type { Store, StoreBatch } from '../store/store.ts';
import type { KeyNames } from '../store/key-names.ts';
import { SESSION_ASSURANCE_PART } from '../store/session-record.ts';
import { textPart } from '../store/text-parts.ts';
import { decodeSessionAssurance, encodeSessionAssurance, type StoredSessionAssurance } from './session-assurance-text.ts';

export interface SessionAssurance extends StoredSessionAssurance {
  /** Epoch ms when an administrator ended the session (`npm run admin -- end-sessions`); read-only here. */
  revokedAt?: number;
}

export interface SessionAssuranceStore {
  get(sessionUid: string): Promise<SessionAssurance | undefined>;
  save(sessionUid: string, record: SessionAssurance, ttlSeconds: number): Promise<void>;
  /** Queues what save() writes in `batch` (to go with the session's own save: oidc/assurance-check.ts). */
  saveIn(batch: StoreBatch, sessionUid: string, record: SessionAssurance, ttlSeconds: number): void;
  /** Ends the session's current authentication at `at` (epoch ms), whatever is saved after. */
  revoke(sessionUid: string, at: number, ttlSeconds: number): Promise<void>;
  delete(sessionUid: string): Promise<void>;
  /** Ends every authentication of an account verified before `at` (epoch ms), also those still in a sign-in journey. */
  endAccount(accountId: string, at: number, ttlSeconds: number): Promise<void>;
  /** Whether an administrator ended the account's authentications at or after `authTime` (epoch ms). */
  accountEndedSince(accountId: string, authTime: number): Promise<boolean>;
}

export interface SessionAssuranceOptions {
  /**
   * Until when (epoch ms) a record is stored as an object naming its fields, which the releases
   * before the thirteenth round read (legacy-records.ts decides it). Default: never.
   */
  namedFieldsUntil?: number;
  clock?: () => number;
}

export function createSessionAssuranceStore(store: Store, keyNames: KeyNames, options: SessionAssuranceOptions = {}): SessionAssuranceStore {
  const clock = options.clock ?? Date.now;
  const namedFieldsUntil = options.namedFieldsUntil ?? 0;
  const key = (uid: string) => keyNames.sessionRecord(uid);
  const revokedKey = (uid: string) => keyNames.sessionPart(uid, 'revoked');
  const accountEndedKey = (accountId: string) => keyNames.accountPart(accountId, 'authentications-ended');
  const saveIn: SessionAssuranceStore['saveIn'] = (batch, uid, record, ttlSeconds) => {
    const { revokedAt: _derived, ...stored } = record;
    const text = encodeSessionAssurance(stored, clock() < namedFieldsUntil ? 'object' : 'array');
    batch.setPart(key(uid), SESSION_ASSURANCE_PART, text, ttlSeconds);
  };
  return {
    async get(uid) {
      // One MGET: both keys share the session's hash tag.
      const [text = null, revoked = null] = await store.mget([key(uid), revokedKey(uid)]);
      const raw = textPart(text, SESSION_ASSURANCE_PART);
      if (!raw) return undefined;
      const record = decodeSessionAssurance(key(uid), raw);
      const revokedAt = revoked === null ? undefined : Number(revoked);
      return revokedAt !== undefined && revokedAt >= record.loginAt ? { ...record, revokedAt } : record;
    },
    saveIn,
    async save(uid, record, ttlSeconds) {
      const batch = store.batch();
      saveIn(batch, uid, record, ttlSeconds);
      await batch.exec();
    },
    async revoke(uid, at, ttlSeconds) {
      await store.set(revokedKey(uid), String(at), ttlSeconds);
    },
    async delete(uid) {
      // The whole record (the session's id too: the session is ended), and the id's key of the releases before.
      await store.del(key(uid), revokedKey(uid), keyNames.sessionUid(uid));
    },
    async endAccount(accountId, at, ttlSeconds) {
      await store.set(accountEndedKey(accountId), String(at), ttlSeconds);
    },
    async accountEndedSince(accountId, authTime) {
      const raw = await store.get(accountEndedKey(accountId));
      return raw !== null && Number(raw) >= authTime;
    },
  };
}
