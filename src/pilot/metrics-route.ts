/**
 * GET /metrics for Prometheus, protected: a bearer token (METRICS_TOKEN) or a client address
 * in the allow-list (METRICS_ALLOW, CIDR; default loopback only). Anything else gets 403
 * without a hint of what the metrics are.
 */
import { networkMatcher } from '../http/networks.ts';
import { timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { Registry } from 'prom-client';

export interface MetricsAccess {
  token?: string | undefined;
  allow: string[];
}

export function metricsRoute(registry: Registry, access: MetricsAccess): Router {
  const allowed = networkMatcher(access.allow);
  const tokenOk = (header: string | undefined) => {
    if (!access.token || !header?.startsWith('Bearer ')) return false;
    const given = Buffer.from(header.slice(7));
    const expected = Buffer.from(access.token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const router = Router();
  router.get('/metrics', async (req, res) => {
    if (!tokenOk(req.get('authorization')) && !allowed(req.ip)) {
      res.status(403).set('cache-control', 'no-store').type('text/plain').send('forbidden\n');
      return;
    }
    res.set('content-type', registry.contentType).set('cache-control', 'no-store').send(await registry.metrics());
  });
  return router;
}
