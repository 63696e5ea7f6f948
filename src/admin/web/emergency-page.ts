/**
 * /admin/emergency — an administrator issues an emergency access code (accès de secours) to a
 * clinician whose means are unusable, after checking who they are face to face. Only the
 * configured administrators (ADMIN_IDNATS), signed in at eidas3 (the CPS card, or an attested
 * key): issuing a way in is worth more than reading the audit trail (eidas2). GET shows the
 * form; POST (CSRF token) issues the code and shows it once, with its expiry — the page is
 * not cached and the code is never stored or recorded in clear. Bad input: the form again
 * with a message, 400, nothing issued.
 */
import type { Request, RequestHandler, Response } from 'express';
import { sendPage } from '../../http/page.ts';
import { csrfToken, csrfValid } from '../../http/csrf.ts';
import { UserFacingError } from '../../http/errors.ts';
import { ID_NAT_PATTERN } from '../../accounts/index.ts';
import { HIGH } from '../../assurance/levels.ts';
import { createEmergencyCodes, issueEmergencyCode } from '../../emergency/index.ts';
import type { PortalDeps } from '../../portal/context.ts';
import { requireStaffSession } from '../../portal/staff-session.ts';
import type { PortalSession } from '../../portal/session.ts';

export const EMERGENCY_PATH = '/admin/emergency';
/** Issuing a way in needs the highest level. */
export const EMERGENCY_ADMIN_LEVEL = HIGH;

async function requireEmergencyAdmin(deps: PortalDeps, req: Request, res: Response): Promise<PortalSession | undefined> {
  return requireStaffSession(deps, req, res, {
    idNats: deps.config.admin.idNats,
    minLevel: EMERGENCY_ADMIN_LEVEL,
    forbiddenCode: 'forbidden',
    returnTo: EMERGENCY_PATH,
  });
}

function hoursChoices(max: number): number[] {
  return [1, 2, 4, 8, 12, 24].filter((h) => h < max).concat(max);
}

function show(deps: PortalDeps, req: Request, res: Response, session: PortalSession, data: Record<string, unknown>, status = 200) {
  res.set('cache-control', 'no-store');
  sendPage(
    deps.views,
    req,
    res,
    'admin-emergency',
    {
      csrf: csrfToken(deps.csrfSecret, session.uid),
      hoursChoices: hoursChoices(deps.config.emergency.validityHours),
      maxHours: deps.config.emergency.validityHours,
      ...data,
    },
    status,
  );
}

export function getEmergencyPage(deps: PortalDeps): RequestHandler {
  return async (req, res) => {
    const session = await requireEmergencyAdmin(deps, req, res);
    if (!session) return;
    show(deps, req, res, session, {});
  };
}

export function postEmergencyCode(deps: PortalDeps): RequestHandler {
  return async (req, res) => {
    const session = await requireEmergencyAdmin(deps, req, res);
    if (!session) return;
    if (!csrfValid(deps.csrfSecret, session.uid, req)) throw new UserFacingError(403, 'csrf', 'missing or wrong CSRF token');
    const body = (req.body ?? {}) as { idNat?: unknown; hours?: unknown };
    const idNat = typeof body.idNat === 'string' ? body.idNat.trim() : '';
    const hours = typeof body.hours === 'string' && /^\d{1,2}$/.test(body.hours) ? Number(body.hours) : Number.NaN;
    if (!ID_NAT_PATTERN.test(idNat)) {
      show(deps, req, res, session, { problem: 'idNat' }, 400);
      return;
    }
    const result = await issueEmergencyCode(
      {
        codes: createEmergencyCodes(deps.store, deps.keyNames),
        accountExists: async (id) => (await deps.accounts.find(id)) !== undefined,
        audit: (event) => deps.audit.record(event, req),
        warn: (fields, message) => req.log.warn(fields, message),
        maxHours: deps.config.emergency.validityHours,
      },
      { idNat, hours, issuedBy: session.accountId, via: 'web', now: Date.now() },
    );
    if (!result.ok) {
      show(deps, req, res, session, { problem: result.reason, idNat }, 400);
      return;
    }
    show(deps, req, res, session, { issued: { idNat, code: result.code, expiresAt: result.grant.expiresAt } });
  };
}
