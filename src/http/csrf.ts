/**
 * CSRF tokens of /account: an HMAC of the session uid with the newest cookie key. Forms carry
 * it in `_csrf`, scripts in the `x-csrf-token` header; a missing or wrong token is refused.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

export function csrfToken(secret: string, sessionUid: string): string {
  return createHmac('sha256', secret).update(`csrf:${sessionUid}`).digest('base64url');
}

export function csrfValid(secret: string, sessionUid: string, req: Request): boolean {
  const given = (req.body as { _csrf?: unknown } | undefined)?._csrf ?? req.get('x-csrf-token');
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(csrfToken(secret, sessionUid));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
