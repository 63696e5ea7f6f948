/**
 * The route label of a request for the metrics (pilot/metrics.ts): the route that answered it,
 * never the path asked, so that the number of series stays that of the gateway's routes.
 */
import type { Request, Response } from 'express';

/** The label of everything no route of the gateway answered (an unknown path, a refusal before routing at a path never served). */
export const OTHER_ROUTE = '/other';

/**
 * Low-cardinality route label: ids in paths become placeholders. Case and a trailing slash are
 * folded away, as both routers ignore them (express's defaults; oidc-provider's router).
 */
export function routeLabel(path: string): string {
  const folded = path.length > 1 ? path.toLowerCase().replace(/\/+$/, '') || '/' : path;
  if (folded.startsWith('/interaction/')) return folded.replace(/^\/interaction\/[^/]+/, '/interaction/:uid');
  if (folded.startsWith('/account/keys/') && !/^\/account\/keys\/(options|verify)$/.test(folded))
    return folded.replace(/^\/account\/keys\/[^/]+/, '/account/keys/:id');
  if (folded.startsWith('/static/')) return '/static/*';
  if (folded.startsWith('/auth/')) return '/auth/:uid';
  if (folded.startsWith('/session/end/')) return '/session/end/*';
  return /^\/[a-z0-9/._-]{0,60}$/.test(folded) ? folded : OTHER_ROUTE;
}

/** Route labels a process learns, at most: more than the gateway's routes, far fewer than an attacker's paths. */
export const ROUTE_LABELS_MAX = 200;

/** res.locals flag set by oidc/mount.ts on the requests it hands to oidc-provider. */
export const PROVIDER_HANDLED = 'providerHandled';

/**
 * The route label of an answered request, from the route that answered it: an express route's
 * own pattern (so neither the case nor the ids of the path asked count; for a route of several
 * fixed paths, the one asked, folded); oidc-provider's endpoint, its path folded and its ids as
 * placeholders, unless it found none there (404). Those are learned (up to ROUTE_LABELS_MAX); a
 * request answered before any route (a static file aside: `/static/*`), by a refusal or the 404
 * page, keeps the label of its path only when a route was learned under it, else it is
 * OTHER_ROUTE. Every path anyone makes up would otherwise be a series of its own, kept for the
 * life of the process.
 */
export function createRouteLabels(): (req: Request, res: Response) => string {
  const learned = new Set<string>();
  const learn = (label: string) => {
    if (learned.has(label) || learned.size < ROUTE_LABELS_MAX) learned.add(label);
    return learned.has(label) ? label : OTHER_ROUTE;
  };
  return (req, res) => {
    const route = req.route as { path?: unknown } | undefined;
    // A route of several paths (the provider's API endpoints): the one asked, which is one of them.
    if (route) return learn(routeLabel(`${req.baseUrl}${typeof route.path === 'string' ? route.path : req.path}`));
    if (res.locals[PROVIDER_HANDLED] === true && res.statusCode !== 404) return learn(routeLabel(req.path));
    const label = routeLabel(req.path);
    return label === '/static/*' || learned.has(label) ? label : OTHER_ROUTE;
  };
}
