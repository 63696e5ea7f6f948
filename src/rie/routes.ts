/**
 * GET /pilot/rie — the RIE conformity report as a printable staff page: the same rows as
 * `npm run rie-report`, for the pilot staff and the IAM team (PILOT_STAFF_IDNATS, ADMIN_IDNATS)
 * signed in at eidas2 or above, over the pilot's range query (`from`, `to`). A malformed query
 * gets the pilot pages' 400.
 */
import { Router, type RequestHandler } from 'express';
import { localeOf, sendPage } from '../http/page.ts';
import { parseQuery } from '../http/parse-query.ts';
import { requireStaffSession } from '../portal/staff-session.ts';
import { PORTAL_CLIENT_ID } from '../portal/portal-client.ts';
import type { ClientMetadata } from '../oidc/index.ts';
import { PILOT_MIN_LEVEL, type PilotDeps } from '../pilot/routes.ts';
import { pilotQuery } from '../pilot/range.ts';
import { rieReport } from './report.ts';
import { rieRows } from './render.ts';

export interface RieDeps extends PilotDeps {
  /** The registered applications (the gateway's portal is left out). */
  clients: readonly ClientMetadata[];
}

function getRieReport(deps: RieDeps): RequestHandler {
  return async (req, res) => {
    const session = await requireStaffSession(deps, req, res, {
      idNats: [...deps.config.pilot.staffIdNats, ...deps.config.admin.idNats],
      minLevel: PILOT_MIN_LEVEL,
      forbiddenCode: 'not_pilot_staff',
      returnTo: '/pilot/rie',
    });
    if (!session) return;
    const range = parseQuery(pilotQuery(deps.clock()), req.query);
    const figures = await deps.figures.read(range);
    const report = rieReport({ config: deps.config, clients: deps.clients.filter((c) => c.client_id !== PORTAL_CLIENT_ID), figures, now: deps.clock() });
    const t = deps.views.t(localeOf(req));
    sendPage(deps.views, req, res, 'rie-report', { report, rows: rieRows(report, t) });
  };
}

export function rieRoutes(deps: RieDeps): Router {
  const router = Router();
  router.get('/pilot/rie', getRieReport(deps));
  return router;
}
