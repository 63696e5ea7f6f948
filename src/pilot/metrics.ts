/**
 * Prometheus metrics of one gateway instance (prom-client): process metrics, HTTP requests
 * by method, route pattern and status, and the audit events by type and outcome — the same
 * events the pilot figures come from, counted from the recorder, never a second way.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestHandler } from 'express';
import { createRouteLabels } from '../http/route-label.ts';
import type { AuditRecorder } from '../audit/types.ts';

export interface GatewayMetrics {
  registry: Registry;
  /** Express middleware timing every request. */
  http: RequestHandler;
  /** A recorder that also counts the events it records. */
  counting(recorder: AuditRecorder): AuditRecorder;
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

  const routeLabelOf = createRouteLabels();

  return {
    registry,
    http(req, res, next) {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        const route = routeLabelOf(req, res);
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
