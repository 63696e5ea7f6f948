/**
 * Errors shown to people: a typed error carries the status and the message key of the
 * French/English page; the express error handler renders it (never a stack trace) and
 * logs unexpected errors with the request id the page shows.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Views } from './views.ts';
import { sendPage } from './page.ts';
import { isStoreUnavailable } from '../store/unavailable.ts';
import { RateLimitedError } from '../limits/refusal.ts';

/** Seconds a client is asked to wait before retrying during an outage (Retry-After). */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

export class UserFacingError extends Error {
  readonly status: number;
  /** Key under `error.` in views/locales, also shown as the error code. */
  readonly code: string;
  constructor(status: number, code: string, detail?: string, options?: { cause?: unknown }) {
    super(detail ?? code, options);
    this.name = 'UserFacingError';
    this.status = status;
    this.code = code;
  }
}

/** Renders the error page for a code such as `invalid_request` (status chosen by the caller). */
export function sendErrorPage(views: Views, req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1], status: number, code: string): void {
  const messageKey = views.has(`error.${code}`) ? `error.${code}` : 'error.generic';
  sendPage(views, req, res, 'error', { messageKey, code }, status);
}

export function notFound(views: Views): RequestHandler {
  return (req, res) => sendErrorPage(views, req, res, 404, 'not_found');
}

export function errorHandler(views: Views): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const e = err as { status?: number; statusCode?: number; type?: string; expose?: boolean };
    let status = 500;
    let code = 'server_error';
    if (err instanceof RateLimitedError) {
      status = 429;
      code = err.code;
      res.set('retry-after', String(err.retryAfterSeconds));
    } else if (isStoreUnavailable(err)) {
      status = 503;
      code = 'temporarily_unavailable';
      res.set('retry-after', String(OUTAGE_RETRY_AFTER_SECONDS));
    } else if (err instanceof UserFacingError) {
      ({ status, code } = err);
    } else if (e?.type === 'entity.too.large') {
      status = 413;
      code = 'payload_too_large';
    } else if (typeof (e?.status ?? e?.statusCode) === 'number' && (e.status ?? e.statusCode)! >= 400 && (e.status ?? e.statusCode)! < 500) {
      status = (e.status ?? e.statusCode)!;
      code = status === 404 ? 'not_found' : status === 413 ? 'payload_too_large' : 'invalid_request';
    }
    if (status === 503) req.log?.warn({ detail: (err as Error)?.message }, 'store unavailable: request refused with 503');
    else if (status >= 500) req.log?.error({ err }, 'unexpected error');
    else req.log?.info({ code, detail: (err as Error)?.message }, 'request refused');
    if (res.headersSent) return;
    sendErrorPage(views, req, res, status, code);
  };
}
