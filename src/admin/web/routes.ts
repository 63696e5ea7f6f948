/** The administrators' pages (/admin). */
import { Router } from 'express';
import type { AuditLog } from '../../audit/index.ts';
import type { PortalDeps } from '../../portal/context.ts';
import { getAuditSearch } from './audit-page.ts';

export function adminRoutes(deps: PortalDeps & { auditLog: AuditLog }): Router {
  const router = Router();
  router.get('/admin/audit', getAuditSearch(deps));
  return router;
}
