/**
 * Emergency access codes (accès de secours): an administrator issues one to one clinician whose
 * means are unusable (key lost, PSC down); the clinician types it with their national
 * identifier on the sign-in page, once. Kept in the store by digest with the clinician it is
 * for, who issued it and until when it is valid; a new code for the same clinician voids the
 * previous one. Redeeming takes the code in one step (two instances cannot both accept it),
 * whatever the outcome: a code typed with another clinician's identifier is spent too.
 */
import type { Store } from '../store/store.ts';
import type { KeyNames } from '../store/key-names.ts';
import { codeDigest, generateCode } from './code.ts';

export interface EmergencyGrant {
  idNat: string;
  /** Who issued it: the operator of the admin CLI, or the administrator's idNat on /admin/emergency. */
  issuedBy: string;
  via: 'cli' | 'web';
  issuedAt: number;
  expiresAt: number;
}

/** Why a code was refused (audit `reason`). */
export type EmergencyRefusal = 'unknown-code' | 'code-used' | 'code-expired' | 'other-clinician';

export type Redemption = { ok: true; grant: EmergencyGrant } | { ok: false; reason: EmergencyRefusal; grant?: EmergencyGrant };

export interface EmergencyCodes {
  /** Issues a code for `idNat`, valid `validityMs` from `now`; voids the clinician's previous one. Returns the code (shown once). */
  issue(input: {
    idNat: string;
    issuedBy: string;
    via: EmergencyGrant['via'];
    validityMs: number;
    now: number;
  }): Promise<{ code: string; grant: EmergencyGrant }>;
  /** Spends the code if it is `idNat`'s and still valid. */
  redeem(input: { code: string; idNat: string; now: number }): Promise<Redemption>;
  /** Codes issued so far by every issuer (admin CLI and /admin/emergency), for the metrics. */
  issuedCount(): Promise<number>;
}

/** How long a spent or expired code is still recognised as such (rather than unknown) in the audit. */
const REMEMBERED_SECONDS = 86_400;

export function createEmergencyCodes(store: Store, keyNames: KeyNames): EmergencyCodes {
  const codeKey = (digest: string) => keyNames.emergencyCode(digest, 'code');
  const usedKey = (digest: string) => keyNames.emergencyCode(digest, 'used');
  const currentKey = (idNat: string) => keyNames.accountPart(idNat, 'emergency-code');
  const countsKey = keyNames.custom('emergency', 'counts');
  return {
    async issue({ idNat, issuedBy, via, validityMs, now }) {
      const code = generateCode();
      const digest = codeDigest(code);
      const grant: EmergencyGrant = { idNat, issuedBy, via, issuedAt: now, expiresAt: now + validityMs };
      const ttl = Math.ceil(validityMs / 1000) + REMEMBERED_SECONDS;
      const previous = await store.take(currentKey(idNat));
      if (previous) await store.del(codeKey(previous));
      await store.set(codeKey(digest), JSON.stringify(grant), ttl);
      await store.set(currentKey(idNat), digest, ttl);
      await store.batch().hincrby(countsKey, 'issued', 1).exec();
      return { code, grant };
    },
    async redeem({ code, idNat, now }) {
      const digest = codeDigest(code);
      const raw = await store.take(codeKey(digest));
      if (!raw) return { ok: false, reason: (await store.get(usedKey(digest))) ? 'code-used' : 'unknown-code' };
      const grant = JSON.parse(raw) as EmergencyGrant;
      await store.set(usedKey(digest), '1', REMEMBERED_SECONDS);
      if ((await store.get(currentKey(grant.idNat))) === digest) await store.del(currentKey(grant.idNat));
      if (grant.idNat !== idNat) return { ok: false, reason: 'other-clinician', grant };
      if (now > grant.expiresAt) return { ok: false, reason: 'code-expired', grant };
      return { ok: true, grant };
    },
    async issuedCount() {
      return Number((await store.hgetall(countsKey))?.issued ?? 0);
    },
  };
}
