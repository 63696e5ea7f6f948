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
 *
 * The claim names its sign-in (the interaction), so that the form sent twice by one sign-in (a
 * double click: the browser shows the second answer) goes on with whichever submission used the
 * code (`thisSignIn`), instead of locking the clinician out with "already used".
 */
import type { Store } from '../store/store.ts';
import type { KeyNames } from '../store/key-names.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { STORE_ANSWER_MS } from '../store/answer-deadline.ts';
import { pendingSettled } from '../store/token-consumption.ts';
import { writeWhileAnswerable } from '../store/answerable-write.ts';
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

/**
 * What redeeming a code gives: accepted (spend it as the sign-in answers), refused, or already
 * spent by this very sign-in (`thisSignIn`: its form sent twice — a double click — and the other
 * submission signed the clinician in: the sign-in goes on).
 */
export type Redemption =
  | { ok: true; grant: EmergencyGrant; spend: () => Promise<void> }
  | { ok: false; reason: EmergencyRefusal; grant?: EmergencyGrant }
  | { ok: false; thisSignIn: true };

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
   * Claims the code for the sign-in `attempt` (its interaction); refused (not `idNat`'s, expired,
   * used, unknown), it is spent at once; accepted, `spend` spends it as the sign-in answers.
   * Claimed by the same sign-in (its form sent twice), waits up to STORE_ANSWER_MS for that
   * submission to answer: `thisSignIn` once it spent the code. StoreUnavailableError (503, try
   * again) while another sign-in with it may still be running.
   */
  redeem(input: { code: string; idNat: string; now: number; attempt: string }): Promise<Redemption>;
  /** Codes issued so far by every issuer (admin CLI and /admin/emergency), for the metrics. */
  issuedCount(): Promise<number>;
}

/** How long a spent or expired code is still recognised as such (rather than unknown) in the audit. */
const REMEMBERED_SECONDS = 86_400;

/**
 * The use mark: `1` spent (as the releases before wrote it: they read any mark as spent), `1
 * <attempt>` spent by that sign-in, `pending <epoch ms> <attempt>` claimed by a sign-in that has
 * not answered.
 */
const SPENT = '1';
const PENDING = 'pending';

interface UseMark {
  spent: boolean;
  /** When a pending claim was made (epoch ms). */
  since: number;
  /** The sign-in (interaction uid) that claimed or spent it. */
  attempt: string | undefined;
}

function readMark(text: string): UseMark {
  const [state, first, second] = text.split(' ');
  if (state === PENDING) return { spent: false, since: Number(first), attempt: second };
  return { spent: true, since: NaN, attempt: first };
}

/** A pending claim old enough that its sign-in was cut: the code can be claimed again. */
function isCutClaim(mark: UseMark, now: number): boolean {
  return !mark.spent && pendingSettled(mark.since, now);
}

/** How often a submission waits for its twin (the same sign-in's other submission) to answer. */
const TWIN_POLL_MS = 50;

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
    async redeem({ code, idNat, now, attempt }) {
      const digest = codeDigest(code);
      // The code and its use mark in one read (one slot).
      const [raw = null, used = null] = await store.mget([codeKey(digest), usedKey(digest)]);
      const current = used === null ? undefined : readMark(used);
      if (current?.spent) return current.attempt === attempt ? { ok: false, thisSignIn: true } : { ok: false, reason: 'code-used' };
      if (!raw) return { ok: false, reason: used === null ? 'unknown-code' : 'code-used' };
      if (current && !isCutClaim(current, now)) return awaitTwin(digest, attempt, current);
      const mark = `${PENDING} ${now} ${attempt}`;
      const claimed =
        used === null
          ? await store.setIfAbsent(usedKey(digest), mark, REMEMBERED_SECONDS)
          : await store.setIfEquals(usedKey(digest), used, mark, REMEMBERED_SECONDS);
      if (!claimed) {
        // Claimed meanwhile: by the same sign-in's other submission (both read it unclaimed), or by another.
        const meanwhile = await store.get(usedKey(digest));
        return awaitTwin(digest, attempt, meanwhile === null ? undefined : readMark(meanwhile));
      }
      const claim = { key: usedKey(digest), value: mark, ttlSeconds: REMEMBERED_SECONDS, answeredAt: performance.now(), name: "the emergency code's claim" };
      const spendAs = (value: string) => writeWhileAnswerable(store, claim, { value, also: { key: codeKey(digest), value: '' }, what: 'its spend' });
      const grant = JSON.parse(raw) as EmergencyGrant;
      const refusal = grant.idNat !== idNat ? 'other-clinician' : now > grant.expiresAt ? 'code-expired' : undefined;
      if (refusal) {
        await spendAs(SPENT);
        return { ok: false, reason: refusal, grant };
      }
      return { ok: true, grant, spend: () => spendAs(`${SPENT} ${attempt}`) };
    },
    async issuedCount() {
      return Number((await store.hgetall(countsKey))?.issued ?? 0);
    },
  };

  /**
   * The code is claimed or spent by another submission: the same sign-in's (`thisSignIn` once it
   * spent the code, waiting for it at most STORE_ANSWER_MS), else "try again" (503).
   */
  async function awaitTwin(digest: string, attempt: string, mark: UseMark | undefined): Promise<Redemption> {
    if (mark?.attempt === attempt && (mark.spent || (await twinSpent(digest, attempt)))) return { ok: false, thisSignIn: true };
    throw new StoreUnavailableError(new Error('emergency code: claimed by a sign-in that has not answered yet: try again in a moment'));
  }

  /** Whether the other submission of the same sign-in, which claimed the code, spends it within STORE_ANSWER_MS. */
  async function twinSpent(digest: string, attempt: string): Promise<boolean> {
    for (const until = performance.now() + STORE_ANSWER_MS; performance.now() < until;) {
      await sleep(TWIN_POLL_MS);
      const used = await store.get(usedKey(digest));
      const mark = used === null ? undefined : readMark(used);
      if (mark?.attempt !== attempt) return false;
      if (mark.spent) return true;
    }
    return false;
  }
}
