/**
 * /healthz: the process is up (for restarts). /readyz: the process can serve logins, i.e.
 * the store answers and the instance is not stopping (for load balancers). Neither reveals
 * configuration.
 */
import { Router } from 'express';
import type { Store } from '../store/store.ts';

export function healthRoutes(store: Store, draining: { now: boolean } = { now: false }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('cache-control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (draining.now) {
      res.status(503).set('cache-control', 'no-store').json({ status: 'stopping', store: store.kind });
      return;
    }
    try {
      await withTimeout(store.ping(), 1000);
      res.set('cache-control', 'no-store').json({ status: 'ready', store: store.kind });
    } catch {
      res.status(503).set('cache-control', 'no-store').json({ status: 'unavailable', store: store.kind });
    }
  });
  return router;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}
