/**
 * Start-up waits for the store instead of crashing when Redis is not reachable yet (it is
 * often started alongside): one line when it is not, one every 10 s while waiting, one when
 * it answers. Meanwhile the server answers 503 (and /healthz "starting").
 */
import type { Store } from './store.ts';

export interface WaitLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export async function waitForStore(store: Store, logger: WaitLogger, options: { intervalMs?: number; reportEveryMs?: number } = {}): Promise<void> {
  const interval = options.intervalMs ?? 1000;
  const reportEvery = options.reportEveryMs ?? 10_000;
  const started = Date.now();
  let lastReport = 0;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await store.ping();
      if (attempt > 1) logger.info({ waitedSeconds: Math.round((Date.now() - started) / 1000) }, 'Redis answers: starting');
      return;
    } catch (err) {
      const now = Date.now();
      if (attempt === 1 || now - lastReport >= reportEvery) {
        lastReport = now;
        logger.warn(
          { attempt, waitedSeconds: Math.round((now - started) / 1000), detail: (err as Error).message },
          'waiting for Redis before starting (requests get 503 until it answers; check REDIS_URL and that Redis runs)',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  }
}
