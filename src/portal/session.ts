/**
 * The clinician's gateway session, read from oidc-provider's session cookie, for /account:
 * who is signed in and when they last authenticated (revoking or adding a key needs an
 * authentication less than five minutes old).
 */
import type { Request, Response } from 'express';
import type Provider from 'oidc-provider';

export interface PortalSession {
  accountId: string;
  /** Epoch seconds of the last authentication. */
  authTime: number;
  /** Stable id of the session, for CSRF tokens and ceremony state. */
  uid: string;
}

export async function portalSession(provider: Provider, req: Request, res: Response): Promise<PortalSession | undefined> {
  const ctx = provider.createContext(req, res);
  const session = await provider.Session.get(ctx as Parameters<Provider['Session']['get']>[0]);
  if (!session.accountId || !session.uid) return undefined;
  return { accountId: session.accountId, authTime: session.authTime() ?? 0, uid: session.uid };
}

/** Whether the last authentication is at most `maxAgeSeconds` old (portal.freshAuthSeconds). */
export function isFresh(session: PortalSession, maxAgeSeconds: number, now = Date.now()): boolean {
  return now / 1000 - session.authTime <= maxAgeSeconds;
}
