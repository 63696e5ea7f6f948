/**
 * GET /admin/audit — the IAM team searches the whole kept audit trail by idNat, application,
 * outcome, type and Paris days: the exact count, 100 events a page newest first, pages
 * linked by cursor under a snapshot (events recorded meanwhile shift nothing), and the CSV /
 * JSON-lines exports of the result (audit-export.ts). Only configured administrators
 * (ADMIN_IDNATS) signed in at eidas2 or above; others get 403, a lower session is sent to sign
 * in again at eidas2. Each search is itself recorded (admin.action). A malformed criterion
 * (audit-query.ts) gets a 400 page naming it, and nothing is searched or recorded.
 */
import type { Request, RequestHandler } from 'express';
import { sendPage, localeOf } from '../../http/page.ts';
import { parseQuery } from '../../http/parse-query.ts';
import { SUBSTANTIAL } from '../../assurance/levels.ts';
import { AUDIT_EVENT_TYPES } from '../../audit/types.ts';
import type { AuditLog, AuditSearchResult } from '../../audit/index.ts';
import type { PortalDeps } from '../../portal/context.ts';
import { requireStaffSession } from '../../portal/staff-session.ts';
import { auditQuery, auditQueryOf, criteriaParams, type AuditSearch } from './audit-query.ts';

export const ADMIN_MIN_LEVEL = SUBSTANTIAL;
/** Events shown per page. */
export const AUDIT_PAGE_SIZE = 100;

export type AdminAuditDeps = PortalDeps & { auditLog: AuditLog };

/** The staff member's idNat, or undefined after answering (sign in, step up); throws 403 for others. */
export async function requireAdmin(deps: AdminAuditDeps, req: Request, res: Parameters<RequestHandler>[1]): Promise<string | undefined> {
  const returnTo = req.originalUrl.startsWith('/admin/audit') && !req.path.includes('/export.') ? req.originalUrl : '/admin/audit';
  const session = await requireStaffSession(deps, req, res, {
    idNats: deps.config.admin.idNats,
    minLevel: ADMIN_MIN_LEVEL,
    forbiddenCode: 'forbidden',
    returnTo,
  });
  return session?.accountId;
}

/** What the page shows of a result: counts in words, the rows, and the links around them. */
function viewOf(result: AuditSearchResult, search: AuditSearch, lang: 'fr' | 'en') {
  const number = new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB');
  const criteria = criteriaParams(search);
  const withParams = (base: string, extra: Record<string, string | undefined>) => {
    const params = new URLSearchParams(criteria);
    for (const [name, value] of Object.entries(extra)) if (value) params.set(name, value);
    return `${base}?${params.toString()}`;
  };
  const first = result.events[0];
  const last = result.events.at(-1);
  return {
    total: result.total,
    totalText: number.format(result.total),
    firstRank: number.format(result.newer + 1),
    lastRank: number.format(result.newer + result.events.length),
    events: result.events.map((e) => e.event),
    newer: result.newer > 0 && first ? withParams('/admin/audit', { after: first.position, upto: result.upto }) : undefined,
    older: result.older > 0 && last ? withParams('/admin/audit', { before: last.position, upto: result.upto }) : undefined,
    newest: result.newer > 0 ? withParams('/admin/audit', {}) : undefined,
    exportCsv: result.total ? withParams('/admin/audit/export.csv', { upto: result.upto }) : undefined,
    exportJsonl: result.total ? withParams('/admin/audit/export.jsonl', { upto: result.upto }) : undefined,
    indexedFrom: result.incomplete ? (result.incomplete.indexedFrom ? Number(result.incomplete.indexedFrom.split('-')[0]) : null) : undefined,
  };
}

export function getAuditSearch(deps: AdminAuditDeps): RequestHandler {
  return async (req, res) => {
    const adminIdNat = await requireAdmin(deps, req, res);
    if (!adminIdNat) return;
    const { lang: _lang, before, after, upto, ...search } = parseQuery(auditQuery, req.query);
    const searched = Object.values(search).some(Boolean);
    let view: ReturnType<typeof viewOf> | undefined;
    if (searched) {
      const result = await deps.auditLog.search(auditQueryOf(search), { limit: AUDIT_PAGE_SIZE, before, after, upto });
      view = viewOf(result, search, localeOf(req));
      const page = before ? { before } : after ? { after } : {};
      await deps.audit.record(
        { type: 'admin.action', outcome: 'info', actor: adminIdNat, details: { action: 'audit.search', ...search, ...page, results: result.total } },
        req,
      );
    }
    sendPage(deps.views, req, res, 'admin-audit', { search, searched, view, types: AUDIT_EVENT_TYPES });
  };
}
