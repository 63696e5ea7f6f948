/**
 * The pilot team's pages: GET /pilot (dashboard), /pilot/report (printable one-page report),
 * /pilot/export.csv and /pilot/export.json (every figure). Only the pilot staff
 * (PILOT_STAFF_IDNATS) signed in at eidas2 or above; exports are recorded in the audit trail.
 * A malformed query (range.ts) gets a 400 naming each parameter at fault: a page, JSON for the
 * exports (http/error-handler.ts); nothing is read or recorded.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { SUBSTANTIAL } from '../assurance/levels.ts';
import { sendPage, localeOf } from '../http/page.ts';
import { parseQuery } from '../http/parse-query.ts';
import type { PortalDeps } from '../portal/context.ts';
import { safeReturn } from '../portal/context.ts';
import { requireStaffSession } from '../portal/staff-session.ts';
import { figuresCsv } from './export.ts';
import type { PilotFigures, PilotFiguresReader } from './figures.ts';
import { chartData, embeddableJson, pilotFormat, reportRows } from './presentation.ts';
import { pilotQuery } from './range.ts';

export const PILOT_MIN_LEVEL = SUBSTANTIAL;

export interface PilotDeps extends PortalDeps {
  figures: PilotFiguresReader;
  /** client_id → client_name, for labels. */
  clientNames: ReadonlyMap<string, string>;
  clock: () => number;
}

async function staffFigures(deps: PilotDeps, req: Request, res: Response): Promise<{ figures: PilotFigures; accountId: string } | undefined> {
  const returnTo = safeReturn(req.originalUrl.split('#')[0]);
  const session = await requireStaffSession(deps, req, res, {
    idNats: deps.config.pilot.staffIdNats,
    minLevel: PILOT_MIN_LEVEL,
    forbiddenCode: 'not_pilot_staff',
    returnTo: returnTo === '/account' ? '/pilot' : returnTo,
  });
  if (!session) return undefined;
  const range = parseQuery(pilotQuery(deps.clock()), req.query);
  return { figures: await deps.figures.read(range), accountId: session.accountId };
}

function page(deps: PilotDeps, template: 'pilot' | 'pilot-report'): RequestHandler {
  return async (req, res) => {
    const found = await staffFigures(deps, req, res);
    if (!found) return;
    // The locale only; sendPage below remembers an explicit ?lang= in the cookie.
    const lang = localeOf(req);
    const t = deps.views.t(lang);
    const format = pilotFormat(lang, t, deps.clientNames);
    const query = new URLSearchParams({ from: found.figures.range.from, to: found.figures.range.to }).toString();
    sendPage(deps.views, req, res, template, {
      figures: found.figures,
      fmt: format,
      query,
      reportRows,
      chartJson: template === 'pilot' ? embeddableJson(chartData(found.figures, format, t)) : '',
    });
  };
}

function exportAs(deps: PilotDeps, kind: 'csv' | 'json'): RequestHandler {
  return async (req, res) => {
    const found = await staffFigures(deps, req, res);
    if (!found) return;
    const { from, to } = found.figures.range;
    await deps.audit.record(
      { type: 'admin.action', outcome: 'info', actor: found.accountId, details: { action: 'pilot.export', format: kind, from, to } },
      req,
    );
    const name = `hospiconnect-pilote-${from}-${to}.${kind}`;
    res.set('cache-control', 'no-store').attachment(name);
    if (kind === 'json') {
      res.type('application/json').send(`${JSON.stringify({ generatedAt: new Date(deps.clock()).toISOString(), ...found.figures }, null, 2)}\n`);
      return;
    }
    const format = pilotFormat('fr', deps.views.t('fr'), deps.clientNames);
    res.type('text/csv; charset=utf-8').send(figuresCsv(found.figures, format));
  };
}

export function pilotRoutes(deps: PilotDeps): Router {
  const router = Router();
  router.get('/pilot', page(deps, 'pilot'));
  router.get('/pilot/report', page(deps, 'pilot-report'));
  router.get('/pilot/export.csv', exportAs(deps, 'csv'));
  router.get('/pilot/export.json', exportAs(deps, 'json'));
  return router;
}
