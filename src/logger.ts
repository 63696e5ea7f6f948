/**
 * The application logger (pino, JSON lines). Secrets never reach it: request logging strips
 * credentials from URLs and headers (http/request-log.ts), and callers log ids, not tokens.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Lines are written to stdout off the request path (`sync: false`: the write goes through
 * libuv instead of blocking on each line; pino flushes what is pending when the process
 * exits). One request line per answer made the synchronous write about 3 % of the gateway's
 * CPU under load (bench/README.md). The audit mirror stays synchronous (audit/recorder.ts).
 */
export function createLogger(level: string, name = 'gateway'): Logger {
  return pino({
    name,
    level,
    base: { instance: instanceId() },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.client_secret', '*.password'],
      censor: '[redacted]',
    },
  }, pino.destination({ dest: 1, sync: false }));
}

/** Stable id of this process among the gateway instances (host:pid unless INSTANCE_ID is set). */
export function instanceId(): string {
  return process.env.INSTANCE_ID ?? `${process.env.HOSTNAME ?? 'local'}:${process.pid}`;
}
