/**
 * Prometheus metrics of one gateway instance (prom-client): process metrics, HTTP requests
 * by method, route pattern and status, and the audit events by type and outcome — the same
 * events the pilot figures come from, counted from the recorder, never a second way.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Request, RequestHandler, Response } from 'express';
import type { AuditRecorder } from '../audit/types.ts';

export interface GatewayMetrics {
  registry: Registry;
  /** Express middleware timing every request. */
  http: RequestHandler;
  /** A recorder that also counts the events it records. */
  counting(recorder: AuditRecorder): AuditRecorder;
}

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
  return /^\/[a-z0-9/._-]{0,60}$/.test(folded) ? folded : '/other';
}

/** The label of everything no route of the gateway answered (an unknown path, a refusal before routing at a path never served). */
export const OTHER_ROUTE = '/other';

/** Route labels a process learns, at most: more than the gateway's routes, far fewer than an attacker's paths. */
export const ROUTE_LABELS_MAX = 200;

/** res.locals flag set by oidc/mount.ts on the requests it hands to oidc-provider. */
export const PROVIDER_HANDLED = 'providerHandled';

/**
 * The route label of an answered request, from the route that answered it: an express route's
 * own pattern (so neither the case nor the ids of the path asked count; for a route of several
 * fixed paths, the one asked, folded); oidc-provider's
 * endpoint, its path folded and its ids as placeholders, unless it found none there (404).
 * Those are learned (up to ROUTE_LABELS_MAX); a request answered before any route (a static
 * file aside: `/static/*`), by a refusal or the 404 page, keeps the label of its path only
 * when a route was learned under it, else it is OTHER_ROUTE. Every path anyone makes up would
 * otherwise be a series of its own, kept for the life of the process.
 */
function routeLabelOf(req: Request, res: Response, learned: Set<string>): string {
  const learn = (label: string) => {
    if (learned.has(label) || learned.size < ROUTE_LABELS_MAX) learned.add(label);
    return learned.has(label) ? label : OTHER_ROUTE;
  };
  const route = req.route as { path?: unknown } | undefined;
  // A route of several paths (the provider's API endpoints): the one asked, which is one of them.
  if (route) return learn(routeLabel(`${req.baseUrl}${typeof route.path === 'string' ? route.path : req.path}`));
  if (res.locals[PROVIDER_HANDLED] === true && res.statusCode !== 404) return learn(routeLabel(req.path));
  const label = routeLabel(req.path);
  return label === '/static/*' || learned.has(label) ? label : OTHER_ROUTE;
}

export interface GatewayMetricsSources {
  /** Emergency access codes issued by every issuer, the admin CLI included (read at each scrape). */
  emergencyCodesIssued?: () => Promise<number>;
}

export function createGatewayMetrics(sources: GatewayMetricsSources = {}): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hc_' });
  const requests = new Counter({
    name: 'hc_http_requests_total',
    help: 'HTTP requests served',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'hc_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const events = new Counter({
    name: 'hc_audit_events_total',
    help: 'Audit events recorded, by type and outcome',
    labelNames: ['type', 'outcome'],
    registers: [registry],
  });
  const signIns = new Counter({
    name: 'hc_signins_total',
    help: 'Successful sign-ins by method and level',
    labelNames: ['method', 'acr'],
    registers: [registry],
  });
  const emergency = new Counter({
    name: 'hc_emergency_access_total',
    help: 'Emergency access codes issued, used and refused (alert on any)',
    labelNames: ['event'],
    registers: [registry],
  });
  const { emergencyCodesIssued } = sources;
  if (emergencyCodesIssued) {
    new Gauge({
      name: 'hc_emergency_codes_issued',
      help: 'Emergency access codes issued so far by every issuer, admin CLI included (shared store; alert on an increase)',
      registers: [registry],
      async collect() {
        // A store outage leaves the last value: the scrape still answers.
        try {
          this.set(await emergencyCodesIssued());
        } catch {
          /* kept */
        }
      },
    });
  }

  const learnedRoutes = new Set<string>();

  return {
    registry,
    http(req, res, next) {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        const route = routeLabelOf(req, res, learnedRoutes);
        requests.inc({ method: req.method, route, status: String(res.statusCode) });
        duration.observe({ method: req.method, route }, Number(process.hrtime.bigint() - started) / 1e9);
      });
      next();
    },
    counting(recorder) {
      return {
        async record(input, source) {
          events.inc({ type: input.type, outcome: input.outcome });
          if (input.type.startsWith('emergency.')) emergency.inc({ event: input.type.slice('emergency.'.length) });
          if (input.type === 'signin.succeeded')
            signIns.inc({ method: String(input.details?.method ?? 'unknown'), acr: String(input.details?.acr ?? 'unknown') });
          await recorder.record(input, source);
        },
      };
    },
  };
}
