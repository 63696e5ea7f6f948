/** The administrators' pages (/admin): the audit trail's search and its exports; emergency access codes. */
import express, { Router } from 'express';
import { notReplayable } from '../../http/current-step.ts';
import { EMERGENCY_PATH, getEmergencyPage, postEmergencyCode } from './emergency-page.ts';
import { getAuditExport } from './audit-export.ts';
import { getAuditSearch, type AdminAuditDeps } from './audit-page.ts';

export function adminRoutes(deps: AdminAuditDeps): Router {
  const router = Router();
  router.get('/admin/audit', getAuditSearch(deps));
  router.get('/admin/audit/export.csv', getAuditExport(deps, 'csv'));
  router.get('/admin/audit/export.jsonl', getAuditExport(deps, 'jsonl'));
  router.get(EMERGENCY_PATH, getEmergencyPage(deps));
  router.post(
    EMERGENCY_PATH,
    notReplayable(() => EMERGENCY_PATH),
    express.urlencoded({ extended: false, limit: '2kb', parameterLimit: 5 }),
    postEmergencyCode(deps),
  );
  return router;
}
