/**
 * Which relying party a token or pushed authorization request names, read before
 * oidc-provider authenticates it (to count it against that client's budget): the HTTP Basic user, else `client_id` in the form
 * body, else the subject of a `client_assertion` (private_key_jwt). Nothing here is trusted:
 * a request that fails client authentication gives its point back (abuse-limits.ts).
 */
import type { Request } from 'express';

const MAX_CLIENT_ID = 200;

export function basicClientId(req: Request): string | undefined {
  const header = req.get('authorization');
  if (!header || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  try {
    return bounded(decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')));
  } catch {
    return undefined;
  }
}

/** From a form body already read as text (express.text). */
export function bodyClientId(body: unknown): string | undefined {
  if (typeof body !== 'string' || body.length === 0) return undefined;
  const form = new URLSearchParams(body);
  const direct = form.get('client_id');
  if (direct) return bounded(direct);
  const assertion = form.get('client_assertion');
  const payload = assertion?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown; iss?: unknown };
    return typeof claims.sub === 'string' ? bounded(claims.sub) : typeof claims.iss === 'string' ? bounded(claims.iss) : undefined;
  } catch {
    return undefined;
  }
}

function bounded(id: string): string | undefined {
  return id.length > 0 && id.length <= MAX_CLIENT_ID ? id : undefined;
}
