/**
 * GET /admin/audit — the IAM team searches the audit trail by idNat, application, outcome,
 * type and time. Only configured administrators (ADMIN_IDNATS) signed in at eidas2 or above;
 * others get 403, a lower session is sent to sign in again at eidas2. Each search is itself
 * recorded (admin.action). A malformed criterion (audit-query.ts) gets a 400 page naming it,
 * and nothing is searched or recorded.
 */
import type { Request, RequestHandler } from 'express';
import { sendPage } from '../../http/page.ts';
import type { AuditEvent } from '../../audit/types.ts';
import type { AuditLog } from '../../audit/index.ts';
import type { PortalDeps } from '../../portal/context.ts';
import { requireStaffSession } from '../../portal/staff-session.ts';
import { parseQuery } from '../../http/parse-query.ts';
import { auditQuery, type AuditSearch } from './audit-query.ts';

export const ADMIN_MIN_LEVEL = 'eidas2';
const SCAN_LIMIT = 5000;
const SHOWN = 200;

/** The search criteria of the request, or UserFacingError 400 naming each parameter at fault. */
export function searchOf(req: Request): AuditSearch {
  const { lang: _lang, ...search } = parseQuery(auditQuery, req.query);
  return search;
}

export function matches(event: AuditEvent, search: AuditSearch): boolean {
  return (!search.idNat || event.actor === search.idNat)
    && (!search.client || event.clientId === search.client)
    && (!search.outcome || event.outcome === search.outcome)
    && (!search.type || event.type === search.type);
}

export function getAuditSearch(deps: PortalDeps & { auditLog: AuditLog }): RequestHandler {
  return async (req, res) => {
    const returnTo = req.originalUrl.startsWith('/admin/audit') ? req.originalUrl : '/admin/audit';
    const session = await requireStaffSession(deps, req, res, { idNats: deps.config.admin.idNats, minLevel: ADMIN_MIN_LEVEL, forbiddenCode: 'forbidden', returnTo });
    if (!session) return;
    const search = searchOf(req);
    const searched = Object.values(search).some(Boolean);
    let events: AuditEvent[] = [];
    if (searched) {
      const range = await deps.auditLog.range({
        ...(search.from ? { fromTime: `${search.from}T00:00:00.000Z` } : {}),
        ...(search.to ? { toTime: `${search.to}T23:59:59.999Z` } : {}),
        limit: SCAN_LIMIT,
        order: 'newest-first',
      });
      events = range.filter((e) => matches(e, search)).slice(0, SHOWN);
      await deps.audit.record({ type: 'admin.action', outcome: 'info', actor: session.accountId, details: { action: 'audit.search', ...search, results: events.length } }, req);
    }
    sendPage(deps.views, req, res, 'admin-audit', { search, searched, events, shown: SHOWN, scanned: SCAN_LIMIT });
  };
}
