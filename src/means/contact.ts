/**
 * The address a clinician receives notices at: entered in /account and kept only once a
 * one-time code sent to it is entered back. The code (6 digits) is stored as an HMAC only,
 * for `mail.codeMinutes`, bound to the address it was sent to; it is single use, refused after
 * five wrong tries, and an account may have `mail.codesPerHour` codes sent per hour.
 *
 * Layout: `accountPart(idNat, 'email')` the verified address; `accountPart(idNat, 'email-code')`
 * the pending code `{ email, hash, attempts }` with a TTL; `accountPart(idNat, 'email-sends')`
 * the recent send times (capped list).
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config/index.ts';
import type { KeyNames } from '../store/key-names.ts';
import type { Store } from '../store/store.ts';

export const MAX_CODE_ATTEMPTS = 5;

/** An address as the form accepts it (trimmed, lower-cased domain is not assumed). */
export const emailAddress = z.string().trim().max(254).pipe(z.email());

export type CodeCheck =
  { result: 'verified'; email: string } | { result: 'wrong-code'; attemptsLeft: number } | { result: 'too-many-attempts' } | { result: 'no-code' };

export interface ContactBook {
  /** The verified address, or null. */
  address(idNat: string): Promise<string | null>;
  /** The address a code is waiting for, or null. */
  pendingAddress(idNat: string): Promise<string | null>;
  /** A new code for `email` (replacing any pending one), or null when the hourly budget is spent. */
  newCode(idNat: string, email: string, now: number): Promise<string | null>;
  /** Checks a code entered by the clinician; the right one is consumed and its address kept. */
  check(idNat: string, code: string): Promise<CodeCheck>;
  remove(idNat: string): Promise<void>;
}

const pendingSchema = z.object({ email: z.string(), hash: z.string(), attempts: z.number().int().nonnegative() });

export function createContactBook(store: Store, keyNames: KeyNames, config: Pick<Config, 'mail'>, secret: string): ContactBook {
  const addressKey = (idNat: string) => keyNames.accountPart(idNat, 'email');
  const codeKey = (idNat: string) => keyNames.accountPart(idNat, 'email-code');
  const sendsKey = (idNat: string) => keyNames.accountPart(idNat, 'email-sends');
  const digest = (idNat: string, email: string, code: string) =>
    createHmac('sha256', secret).update(`email-code\0${idNat}\0${email}\0${code}`).digest('base64url');

  async function pending(idNat: string) {
    const raw = await store.get(codeKey(idNat));
    if (raw === null) return null;
    try {
      const parsed = pendingSchema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  return {
    address: (idNat) => store.get(addressKey(idNat)),
    async pendingAddress(idNat) {
      return (await pending(idNat))?.email ?? null;
    },
    async newCode(idNat, email, now) {
      const hourAgo = now - 3_600_000;
      const recent = (await store.lrange(sendsKey(idNat), 0, -1)).map(Number).filter((at) => at > hourAgo);
      if (recent.length >= config.mail.codesPerHour) return null;
      await store.pushCapped(sendsKey(idNat), String(now), config.mail.codesPerHour);
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      await store.set(codeKey(idNat), JSON.stringify({ email, hash: digest(idNat, email, code), attempts: 0 }), config.mail.codeMinutes * 60);
      return code;
    },
    async check(idNat, code) {
      const waiting = await pending(idNat);
      if (!waiting) return { result: 'no-code' };
      const expected = Buffer.from(waiting.hash);
      const given = Buffer.from(digest(idNat, waiting.email, code.trim()));
      if (expected.length === given.length && timingSafeEqual(expected, given)) {
        // Single use: only the request that takes the code keeps the address.
        if ((await store.take(codeKey(idNat))) === null) return { result: 'no-code' };
        await store.set(addressKey(idNat), waiting.email);
        return { result: 'verified', email: waiting.email };
      }
      const attempts = waiting.attempts + 1;
      if (attempts >= MAX_CODE_ATTEMPTS) {
        await store.del(codeKey(idNat));
        return { result: 'too-many-attempts' };
      }
      const ttl = await store.ttl(codeKey(idNat));
      if (ttl <= 0) return { result: 'no-code' };
      await store.set(codeKey(idNat), JSON.stringify({ ...waiting, attempts }), ttl);
      return { result: 'wrong-code', attemptsLeft: MAX_CODE_ATTEMPTS - attempts };
    },
    async remove(idNat) {
      await store.del(addressKey(idNat), codeKey(idNat));
    },
  };
}
