/**
 * The gate of the staff pages (/admin/audit, /pilot): a gateway session (else sign in), an
 * idNat on the page's list (else 403 with the page's own message), and a session level of
 * at least `minLevel` (else sign in again at that level, then come back).
 */
import type { Request, Response } from 'express';
import { compareLevels, type Level } from '../assurance/index.ts';
import { UserFacingError } from '../http/errors.ts';
import { requireSession, type PortalDeps } from './context.ts';
import type { PortalSession } from './session.ts';

export interface StaffGate {
  /** Who may open the page. */
  idNats: readonly string[];
  /** Lowest session level accepted. */
  minLevel: Level;
  /** Error code (views/locales `error.<code>`) of the 403 page for someone not on the list. */
  forbiddenCode: string;
  /** Where to come back after signing in (a path accepted by safeReturn). */
  returnTo: string;
}

/** The staff member's session, or undefined after redirecting to sign in; throws 403 for others. */
export async function requireStaffSession(deps: PortalDeps, req: Request, res: Response, gate: StaffGate): Promise<PortalSession | undefined> {
  const session = await requireSession(deps, req, res, { returnTo: gate.returnTo });
  if (!session) return undefined;
  if (!gate.idNats.includes(session.accountId)) throw new UserFacingError(403, gate.forbiddenCode, `${session.accountId} is not on the list for ${req.path}`);
  const record = await deps.sessionChecks.sessions.get(session.uid);
  if (!record || compareLevels(record.acr, gate.minLevel) < 0) {
    res.redirect(303, `/account/login?${new URLSearchParams({ acr: gate.minLevel, return: gate.returnTo }).toString()}`);
    return undefined;
  }
  return session;
}
