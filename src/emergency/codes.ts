/**
 * Emergency access codes (accès de secours): an administrator issues one to one clinician whose
 * means are unusable (key lost, PSC down); the clinician types it with their national
 * identifier on the sign-in page, once. Kept in the store by digest with the clinician it is
 * for, who issued it and until when it is valid; a new code for the same clinician voids the
 * previous one. Redeeming claims the code (its use mark, set only where none is: two instances
 * cannot both accept it); a refused code is spent at once, whatever the refusal (a code typed
 * with another clinician's identifier is spent too), an accepted one once the sign-in answers
 * (`spend`, called by the sign-in before its redirect leaves). A sign-in cut in between (Redis
 * failing, a write refused) answers the outage page and hands nothing out: like a code or
 * refresh token at the token endpoint (store/token-consumption.ts), the code is then pending —
 * "try again" for CONSUMPTION_SETTLES_MS, then usable again — instead of spent by a sign-in
 * that never happened, which would lock the clinician out until an administrator issues
 * another. The spend counts only if it reaches Redis while the sign-in may still answer
 * (spendWithinMs).
 *
 * Spent: the use mark says SPENT, and the code's record is emptied in the same write (a release
 * before this one reads an empty record as no code, then its use mark: spent).
 */
import type { Store } from '../store/store.ts';
import type { KeyNames } from '../store/key-names.ts';
import { CONSUMPTION_SETTLES_MS, spendWithinMs } from '../store/token-consumption.ts';
import { StoreUnavailableError } from '../store/unavailable.ts';
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

export type Redemption = { ok: true; grant: EmergencyGrant; spend: () => Promise<void> } | { ok: false; reason: EmergencyRefusal; grant?: EmergencyGrant };

export interface EmergencyCodes {
  /** Issues a code for `idNat`, valid `validityMs` from `now`; voids the clinician's previous one. Returns the code (shown once). */
  issue(input: {
    idNat: string;
    issuedBy: string;
    via: EmergencyGrant['via'];
    validityMs: number;
    now: number;
  }): Promise<{ code: string; grant: EmergencyGrant }>;
  /**
   * Claims the code; refused (not `idNat`'s, expired, used, unknown), it is spent at once; accepted,
   * `spend` spends it as the sign-in answers. StoreUnavailableError (503, try again) while another
   * sign-in with it may still be running.
   */
  redeem(input: { code: string; idNat: string; now: number }): Promise<Redemption>;
  /** Codes issued so far by every issuer (admin CLI and /admin/emergency), for the metrics. */
  issuedCount(): Promise<number>;
}

/** How long a spent or expired code is still recognised as such (rather than unknown) in the audit. */
const REMEMBERED_SECONDS = 86_400;

/** The use mark of a spent code (as the releases before wrote it). */
const SPENT = '1';
/** The use mark of a code claimed by a sign-in that has not answered: `pending <epoch ms>`. */
const PENDING = 'pending';

/** A pending mark old enough that its sign-in was cut: the code can be claimed again. */
function isCutClaim(mark: string, now: number): boolean {
  const since = now - Number(mark.slice(PENDING.length + 1));
  return mark.startsWith(`${PENDING} `) && !(Number.isFinite(since) && since < CONSUMPTION_SETTLES_MS);
}

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
      // The code and its use mark in one read (one slot).
      const [raw = null, used = null] = await store.mget([codeKey(digest), usedKey(digest)]);
      if (!raw || used === SPENT) return { ok: false, reason: used === null ? 'unknown-code' : 'code-used' };
      const mark = `${PENDING} ${now}`;
      const claimed =
        used === null
          ? await store.setIfAbsent(usedKey(digest), mark, REMEMBERED_SECONDS)
          : isCutClaim(used, now) && (await store.setIfEquals(usedKey(digest), used, mark, REMEMBERED_SECONDS));
      if (!claimed) throw new StoreUnavailableError(new Error('emergency code: claimed by a sign-in that has not answered yet: try again in a moment'));
      const claimAnsweredAt = performance.now();
      const spend = async () => {
        const withinMs = spendWithinMs(claimAnsweredAt, performance.now());
        const change = { expected: mark, value: SPENT, ttlSeconds: REMEMBERED_SECONDS, withinMs };
        const outcome = await store.setIfEqualsWithin(usedKey(digest), change, { key: codeKey(digest), value: '' });
        if (outcome !== 'set')
          throw new StoreUnavailableError(new Error(`emergency code: not spent (${outcome}): the sign-in that claimed it answers the outage`));
      };
      const grant = JSON.parse(raw) as EmergencyGrant;
      const refusal = grant.idNat !== idNat ? 'other-clinician' : now > grant.expiresAt ? 'code-expired' : undefined;
      if (refusal) {
        await spend();
        return { ok: false, reason: refusal, grant };
      }
      return { ok: true, grant, spend };
    },
    async issuedCount() {
      return Number((await store.hgetall(countsKey))?.issued ?? 0);
    },
  };
}
