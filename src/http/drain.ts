/**
 * Graceful stop of the HTTP server: no new connections, idle keep-alive connections closed at
 * once, requests in flight allowed to finish (each connection closes after its answer), and
 * after `drainMs` whatever is still open is cut. Resolves when the server is closed.
 */
import type { Server } from 'node:http';

export interface DrainLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export async function drainServer(server: Server, drainMs: number, logger: DrainLogger): Promise<void> {
  if (!server.listening) return;
  const started = Date.now();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const deadline = setTimeout(() => {
    logger.warn({ drainMs }, 'requests still running after the drain period: connections closed');
    server.closeAllConnections();
  }, drainMs);
  // Connections that become idle while draining (a keep-alive answer sent) are closed too.
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  try {
    await closed;
  } finally {
    clearTimeout(deadline);
    clearInterval(sweep);
  }
  logger.info({ drainedMs: Date.now() - started }, 'HTTP server closed');
}
