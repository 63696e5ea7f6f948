/**
 * GET /metrics for Prometheus, protected: a bearer token (METRICS_TOKEN) or a scraper that
 * connects itself from an address in the allow-list (METRICS_ALLOW, CIDR; default loopback
 * only). A request relayed by a trusted proxy (forwarding headers kept: forwarded-headers.ts)
 * needs the token, whatever client address the proxy forwards. Anything else gets 403 without
 * a hint of what the metrics are.
 */
import { networkMatcher } from '../http/networks.ts';
import { timingSafeEqual } from 'node:crypto';
import { Router, type Request } from 'express';
import type { Registry } from 'prom-client';

export interface MetricsAccess {
  token?: string | undefined;
  allow: string[];
}

/** Came through a proxy: forwarding headers survive only from a trusted one (forwarded-headers.ts). */
function relayed(req: Request): boolean {
  return req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined || req.headers['x-real-ip'] !== undefined;
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
  // The connection's own peer, never a forwarded address: behind Caddy in docker/compose.yml, a
  // client on the docker host is forwarded as the bridge's gateway, inside the internal network.
  const scraperAllowed = (req: Request) => !relayed(req) && allowed(req.socket.remoteAddress);
  router.get('/metrics', async (req, res) => {
    if (!tokenOk(req.get('authorization')) && !scraperAllowed(req)) {
      res.status(403).set('cache-control', 'no-store').type('text/plain').send('forbidden\n');
      return;
    }
    res
      .set('content-type', registry.contentType)
      .set('cache-control', 'no-store')
      .send(await registry.metrics());
  });
  return router;
}
