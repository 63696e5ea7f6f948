/**
 * An authentication ended while its pages were still open cannot finish an interaction:
 * an administrator ended the clinician's sessions (`npm run admin -- end-sessions`,
 * `revoke-keys`) after it was verified, the key it was made with was revoked, or — for a
 * step that resumes an existing session (consent) — that session was logged out, swept or
 * ended. Refused with a French page (`session_ended`) and recorded in the audit trail.
 */
import type { Request } from 'express';
import { UserFacingError } from '../http/errors.ts';
import type { InteractionDeps, InteractionDetails } from './context.ts';

export interface AuthenticationToCheck {
  accountId: string;
  /** Epoch ms the authentication was verified. */
  authTime: number;
  /** Credential id of the key it was made with, if any. */
  keyId?: string | undefined;
  /** The session it lives in, when the step resumes an existing session (consent). */
  sessionUid?: string | undefined;
}

/**
 * Every check's reads are sent at once (one round trip where they were one after the other);
 * the first reason, in this order, wins.
 */
async function whyEnded(deps: InteractionDeps, auth: AuthenticationToCheck): Promise<string | undefined> {
  const { accountId, keyId, sessionUid } = auth;
  const [accountEnded, keyListed, session, record] = await Promise.all([
    deps.sessions.accountEndedSince(accountId, auth.authTime),
    // Read from the store, not from what the request read before: a revocation made meanwhile counts.
    // The account's set is the authority on which keys are active (revoke and revokeAll take the key out of it).
    keyId === undefined ? true : deps.credentials.listedFor(accountId, keyId),
    sessionUid === undefined ? undefined : deps.provider.Session.findByUid(sessionUid),
    sessionUid === undefined ? undefined : deps.sessions.get(sessionUid),
  ]);
  if (accountEnded) return 'account-sessions-ended';
  if (!keyListed) return 'key-revoked';
  if (sessionUid !== undefined) {
    if (!session || !record || record.accountId !== accountId) return 'session-gone';
    if (record.revokedAt !== undefined) return 'session-revoked';
  }
  return undefined;
}

export async function refuseEndedAuthentication(deps: InteractionDeps, req: Request, details: InteractionDetails, auth: AuthenticationToCheck): Promise<void> {
  const reason = await whyEnded(deps, auth);
  if (!reason) return;
  await deps.audit.record(
    {
      type: 'signin.failed',
      outcome: 'failure',
      actor: auth.accountId,
      clientId: String(details.params.client_id),
      reason: 'session-ended',
      details: { why: reason },
    },
    req,
  );
  throw new UserFacingError(403, 'session_ended', `the authentication was ended while the interaction was open (${reason})`);
}
