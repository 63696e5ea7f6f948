/**
 * Practitioner accounts in the store (no TTL): find by idNat, create-or-refresh from a
 * verified PSC login. The profile is replaced at every PSC login so that a change in the
 * national directory (new establishment, lost right) reaches the tokens.
 *
 * Within one HTTP request an account is read once (store/request-scope.ts): a key sign-in
 * reads it to check PSC's last word, then again to record the sign-in and its profession.
 * Across the requests of one sign-in, this process reads it once (recent-accounts.ts: a
 * bound of a few seconds). This module is the only writer of the record and tells the request
 * and the process what it wrote.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../store/store.ts';
import type { KeyNames } from '../store/key-names.ts';
import { forgetForRequest, readOncePerRequest, rememberForRequest } from '../store/request-scope.ts';
import { ID_NAT_PATTERN, type PractitionerAccount, type PscProfile } from './practitioner.ts';
import { createRecentAccounts, type RecentAccountsOptions } from './recent-accounts.ts';

export interface PscLogin {
  pscSub: string;
  profile: PscProfile;
  authMode: string | null;
  acr: string | null;
}

export interface AccountRepository {
  find(idNat: string): Promise<PractitionerAccount | undefined>;
  upsertFromPsc(login: PscLogin, now?: number): Promise<{ account: PractitionerAccount; created: boolean }>;
  /**
   * The clinician's immutable local identifier (a random UUID made at first use, never
   * reassigned): the `oid` PSC pairs the account on, in place of the idNat it must not learn
   * from the gateway. Made once across instances (set if absent).
   */
  localId(idNat: string): Promise<string>;
}

export function createAccountRepository(store: Store, keyNames: KeyNames, recentOptions: RecentAccountsOptions = {}): AccountRepository {
  const recent = createRecentAccounts(recentOptions);

  async function find(idNat: string): Promise<PractitionerAccount | undefined> {
    if (!ID_NAT_PATTERN.test(idNat)) return undefined;
    const key = keyNames.account(idNat);
    const raw = await readOncePerRequest(key, async () => {
      const known = recent.get(idNat);
      if (known !== undefined) return known;
      const startedAt = recent.readStarts(idNat);
      const stored = await store.get(key);
      if (stored !== null) recent.rememberRead(idNat, stored, startedAt);
      return stored;
    });
    return raw ? (JSON.parse(raw) as PractitionerAccount) : undefined;
  }

  async function upsertFromPsc(login: PscLogin, now = Date.now()) {
    const idNat = login.profile.SubjectNameID;
    if (!ID_NAT_PATTERN.test(idNat)) throw new TypeError(`idNat must be 1–40 letters or digits, got ${JSON.stringify(idNat)}`);
    const existing = await find(idNat);
    const account: PractitionerAccount = {
      idNat,
      pscSub: login.pscSub,
      profile: login.profile,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      pscVerifiedAt: now,
      lastPscAuthMode: login.authMode,
      lastPscAcr: login.acr,
    };
    const key = keyNames.account(idNat);
    try {
      await store.set(key, JSON.stringify(account));
    } catch (error) {
      forgetForRequest(key);
      recent.forget(idNat);
      throw error;
    }
    // What the request, and this process, read next is what it wrote.
    rememberForRequest(key, JSON.stringify(account));
    recent.rememberWrite(idNat, JSON.stringify(account));
    return { account, created: !existing };
  }

  async function localId(idNat: string): Promise<string> {
    if (!ID_NAT_PATTERN.test(idNat)) throw new TypeError(`idNat must be 1–40 letters or digits, got ${JSON.stringify(idNat)}`);
    const key = keyNames.accountPart(idNat, 'local-id');
    const existing = await store.get(key);
    if (existing) return existing;
    await store.setIfAbsent(key, randomUUID());
    const made = await store.get(key);
    if (!made) throw new Error(`local identifier of ${idNat} could not be stored`);
    return made;
  }

  return { find, upsertFromPsc, localId };
}
