/**
 * The clinician's gateway session, read from oidc-provider's session cookie, for /account:
 * who is signed in and when they last authenticated (revoking or adding a key needs an
 * authentication less than five minutes old).
 */
import type { Request, Response } from 'express';
import type Provider from 'oidc-provider';
import type { AssuranceCheckDeps } from '../oidc/assurance-check.ts';
import type { SessionAssurance } from '../assurance/index.ts';
import { contextOf, strictestAction } from '../oidc/session-context.ts';

export interface PortalSession {
  accountId: string;
  /** Epoch seconds of the last authentication. */
  authTime: number;
  /** Stable id of the session, for CSRF tokens and ceremony state. */
  uid: string;
  /** How the session was authenticated (what a key enrolled or raised in it is bound to). */
  assurance: SessionAssurance;
}

/**
 * The signed-in session, or undefined. A session past its idle or absolute limit counts as
 * ended even before the sweeper removed it (oidc/session-sweeper.ts); one used from another
 * browser or address than its own counts as not signed in when the policy asks for a new
 * sign-in then (oidc/session-context.ts).
 */
export async function portalSession(provider: Provider, req: Request, res: Response, checks: AssuranceCheckDeps): Promise<PortalSession | undefined> {
  const ctx = provider.createContext(req, res);
  const session = await provider.Session.get(ctx as Parameters<Provider['Session']['get']>[0]);
  if (!session.accountId || !session.uid) return undefined;
  const record = await checks.sessions.get(session.uid);
  if (!record || record.accountId !== session.accountId || checks.lifetimes.deadline(record) < checks.clock()) return undefined;
  // Used from another browser or address where the policy asks for a new sign-in: not signed in
  // here; the sign-in's authorization request records the change and applies the policy.
  const action = checks.context && strictestAction(checks.context.changes(record, contextOf(req.get('user-agent'), req.ip)));
  if (action === 'reauthenticate' || action === 'end') return undefined;
  return { accountId: session.accountId, authTime: session.authTime() ?? 0, uid: session.uid, assurance: record };
}

/** Whether the last authentication is at most `maxAgeSeconds` old (portal.freshAuthSeconds). */
export function isFresh(session: PortalSession, maxAgeSeconds: number, now = Date.now()): boolean {
  return now / 1000 - session.authTime <= maxAgeSeconds;
}
