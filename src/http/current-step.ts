/**
 * Where a page's language link leads: an address that shows the same step again and consumes
 * or records nothing. A page requested by GET is shown again at its own address; a page that
 * answers a form (POST) never is, nor one reached by a one-time address (PSC's callback, the
 * collection of its result): such a route names the address of its step, or none (no link).
 */
import type { Request, RequestHandler, Response } from 'express';

const LOCAL = 'showAgainAt';

/** The address (path and query) that shows this response's page again; null: there is none. */
export function showAgainAt(res: Response, url: string | null): void {
  res.locals[LOCAL] = url;
}

/**
 * Middleware of a route whose own address must never be offered again (a one-time GET, or a
 * form): its pages are shown again at `url(req)` — unless the route names a closer step —
 * or, without `url`, nowhere.
 */
export function notReplayable(url?: (req: Request) => string): RequestHandler {
  return (req, res, next) => {
    showAgainAt(res, url ? url(req) : null);
    next();
  };
}

/** The address of this response's page for the language link, without `lang`; undefined: none. */
export function currentStepOf(req: Request, res: Response): string | undefined {
  const named: unknown = res.locals[LOCAL];
  if (typeof named === 'string') return named;
  if (named === null) return undefined;
  return req.method === 'GET' || req.method === 'HEAD' ? req.originalUrl : undefined;
}
