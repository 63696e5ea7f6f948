/**
 * CSRF tokens of every state-changing form and script call: an HMAC, with the newest cookie
 * key, of what the action is bound to — the /account session uid, or `interaction:<uid>` for
 * the login journey (whose cookie only that browser has). Forms carry it in `_csrf`, scripts
 * in the `x-csrf-token` header; a missing or wrong token is refused (403).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

export function csrfToken(secret: string, binding: string): string {
  return createHmac('sha256', secret).update(`csrf:${binding}`).digest('base64url');
}

export function csrfValid(secret: string, binding: string, req: Request): boolean {
  const given = (req.body as { _csrf?: unknown } | undefined)?._csrf ?? req.get('x-csrf-token');
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(csrfToken(secret, binding));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** The binding of the login journey's forms: one interaction. */
export function interactionBinding(uid: string): string {
  return `interaction:${uid}`;
}
