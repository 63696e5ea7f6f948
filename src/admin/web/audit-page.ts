/**
 * GET /admin/audit — the IAM team searches the audit trail by idNat, application, outcome,
 * type and time. Only configured administrators (ADMIN_IDNATS) signed in at eidas2 or above;
 * others get 403, a lower session is sent to sign in again at eidas2. Each search is itself
 * recorded (admin.action).
 */
import type { Request, RequestHandler } from 'express';
import { sendPage } from '../../http/page.ts';
import type { AuditEvent } from '../../audit/types.ts';
import type { AuditLog } from '../../audit/index.ts';
import type { PortalDeps } from '../../portal/context.ts';
import { requireStaffSession } from '../../portal/staff-session.ts';

export const ADMIN_MIN_LEVEL = 'eidas2';
const SCAN_LIMIT = 5000;
const SHOWN = 200;

export interface AuditSearch {
  idNat?: string;
  client?: string;
  outcome?: string;
  type?: string;
  from?: string;
  to?: string;
}

function text(value: unknown, pattern: RegExp): string | undefined {
  return typeof value === 'string' && value !== '' && pattern.test(value) ? value : undefined;
}

export function searchOf(req: Request): AuditSearch {
  const q = req.query;
  return {
    idNat: text(q.idNat, /^[A-Za-z0-9]{1,40}$/),
    client: text(q.client, /^[A-Za-z0-9._:-]{1,128}$/),
    outcome: text(q.outcome, /^(success|failure|info)$/),
    type: text(q.type, /^[a-z_.]{1,40}$/),
    from: text(q.from, /^\d{4}-\d{2}-\d{2}$/),
    to: text(q.to, /^\d{4}-\d{2}-\d{2}$/),
  };
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
