/** The administrators' pages (/admin): the audit trail's search and its exports. */
import { Router } from 'express';
import { getAuditExport } from './audit-export.ts';
import { getAuditSearch, type AdminAuditDeps } from './audit-page.ts';

export function adminRoutes(deps: AdminAuditDeps): Router {
  const router = Router();
  router.get('/admin/audit', getAuditSearch(deps));
  router.get('/admin/audit/export.csv', getAuditExport(deps, 'csv'));
  router.get('/admin/audit/export.jsonl', getAuditExport(deps, 'jsonl'));
  return router;
}
