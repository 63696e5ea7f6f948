/**
 * The application logger (pino, JSON lines). Secrets never reach it: request logging strips
 * credentials from URLs and headers (http/request-log.ts), errors are logged without the
 * arguments of the Redis command they report (error-serializer.ts), and callers log ids, not tokens.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';
import { serializeError } from './error-serializer.ts';

export type { Logger };

/**
 * Lines are written to stdout off the request path (`sync: false`: the write goes through
 * libuv instead of blocking on each line; pino flushes what is pending when the process
 * exits). One request line per answer made the synchronous write about 3 % of the gateway's
 * CPU under load (bench/README.md). Under load, lines are gathered into writes of at least
 * LOG_WRITE_BYTES (one write call for a dozen request lines instead of one each), and what is
 * gathered is written at the latest every LOG_FLUSH_MS: a line is out within that time even
 * when traffic is low; a process killed outright (SIGKILL, OOM killer) loses at most that
 * much of its request log. The audit mirror stays synchronous (audit/recorder.ts): each line is
 * out before its event's record() resolves, the SIEM's copy is never held back.
 */
/** Bytes of log lines gathered before a write (sonic-boom minLength). */
export const LOG_WRITE_BYTES = 4096;
/** Longest a gathered log line waits before it is written (sonic-boom periodicFlush). */
export const LOG_FLUSH_MS = 200;

export function createLogger(level: string, name = 'gateway'): Logger {
  return pino(loggerOptions(level, name), pino.destination({ dest: 1, sync: false, minLength: LOG_WRITE_BYTES, periodicFlush: LOG_FLUSH_MS }));
}

/** What the application logger writes and leaves out, wherever it writes (tests collect the lines). */
export function loggerOptions(level: string, name = 'gateway'): LoggerOptions {
  return {
    name,
    level,
    base: { instance: instanceId() },
    serializers: { err: serializeError },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.client_secret', '*.password'],
      censor: '[redacted]',
    },
  };
}

/** Stable id of this process among the gateway instances (host:pid unless INSTANCE_ID is set). */
export function instanceId(): string {
  return process.env.INSTANCE_ID ?? `${process.env.HOSTNAME ?? 'local'}:${process.pid}`;
}
