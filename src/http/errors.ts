/**
 * Errors shown to people: a typed error carries the status and the message key of the
 * French/English page (and, for a refused query, one line per parameter at fault); the
 * express error handler renders it (never a stack trace), with a way back to the application
 * when the route knows it, and logs unexpected errors with the request id the page shows. A
 * request for a data file (a path ending `.json`, `.jsonl` or `.csv`: the pilot's and the audit
 * trail's exports) gets the same refusal as JSON `{ error, message, problems? }` instead.
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Views } from './views.ts';
import { localeOf, sendPage } from './page.ts';
import { isStoreUnavailable, outageCause } from '../store/unavailable.ts';
import { RateLimitedError } from '../limits/refusal.ts';
import { backLinkOf, type BackLink } from './back-link.ts';

/** Seconds a client is asked to wait before retrying during an outage (Retry-After). */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

/** What was wrong with one parameter: a message key under views/locales and its values. */
export interface ParameterProblem {
  /** The parameter at fault, as the address names it. */
  parameter: string;
  /** Message key saying what was expected, e.g. `query.day`; gets `{parameter}` and `params`. */
  key: string;
  params: Record<string, string | number>;
}

export class UserFacingError extends Error {
  readonly status: number;
  /** Key under `error.` in views/locales, also shown as the error code. */
  readonly code: string;
  /** One line each under the message (a refused query's parameters); empty otherwise. */
  readonly problems: readonly ParameterProblem[];
  constructor(status: number, code: string, detail?: string, options?: { cause?: unknown; problems?: readonly ParameterProblem[] }) {
    super(detail ?? code, options);
    this.name = 'UserFacingError';
    this.status = status;
    this.code = code;
    this.problems = options?.problems ?? [];
  }
}

/** How an error is answered: status, code (`error.<code>` in views/locales), its lines, Retry-After. */
export interface Refusal {
  status: number;
  code: string;
  problems: readonly ParameterProblem[];
  retryAfterSeconds?: number;
}

/** The answer to give for an error thrown by a route (500 server_error when it is not a known one). */
export function refusalOf(err: unknown): Refusal {
  const e = err as { status?: number; statusCode?: number; type?: string };
  if (err instanceof RateLimitedError) return { status: 429, code: err.code, problems: [], retryAfterSeconds: err.retryAfterSeconds };
  if (isStoreUnavailable(err)) return { status: 503, code: 'temporarily_unavailable', problems: [], retryAfterSeconds: OUTAGE_RETRY_AFTER_SECONDS };
  if (err instanceof UserFacingError) return { status: err.status, code: err.code, problems: err.problems };
  if (e?.type === 'entity.too.large') return { status: 413, code: 'payload_too_large', problems: [] };
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, code: status === 404 ? 'not_found' : status === 413 ? 'payload_too_large' : 'invalid_request', problems: [] };
  }
  return { status: 500, code: 'server_error', problems: [] };
}

function messageKeyOf(views: Views, code: string): string {
  return views.has(`error.${code}`) ? `error.${code}` : 'error.generic';
}

/**
 * Renders the error page for a code such as `invalid_request` (status chosen by the caller),
 * with the way back to the application when it is known (http/back-link.ts).
 */
export function sendErrorPage(views: Views, req: Request, res: Response, status: number, code: string, problems: readonly ParameterProblem[] = [], back?: BackLink): void {
  sendPage(views, req, res, 'error', { messageKey: messageKeyOf(views, code), code, problems, back }, status);
}

/** The same refusal as JSON, in the person's language: `{ error, message, problems? }`. */
export function sendErrorJson(views: Views, req: Request, res: Response, refusal: Refusal): void {
  const t = views.t(localeOf(req));
  const problems = refusal.problems.map((p) => ({ parameter: p.parameter, message: t(p.key, { parameter: p.parameter, ...p.params }) }));
  res.status(refusal.status).set('cache-control', 'no-store').json({ error: refusal.code, message: t(messageKeyOf(views, refusal.code)), ...(problems.length ? { problems } : {}) });
}

/** A data file (the pilot's and the audit trail's exports): refusals are JSON, not a page. */
function answersJson(req: Request): boolean {
  return /\.(?:json|jsonl|csv)$/.test(req.path);
}

export function notFound(views: Views): RequestHandler {
  return (req, res) => sendErrorPage(views, req, res, 404, 'not_found');
}

export function errorHandler(views: Views): ErrorRequestHandler {
  return async (err, req, res, _next) => {
    const refusal = refusalOf(err);
    const { status, code, problems } = refusal;
    if (status === 503) req.log?.warn({ detail: outageCause(err) }, 'store unavailable: request refused with 503');
    else if (status >= 500) req.log?.error({ err }, 'unexpected error');
    else req.log?.info({ code, detail: (err as Error)?.message, ...(problems.length ? { parameters: problems.map((p) => p.parameter) } : {}) }, 'request refused');
    if (res.headersSent) return;
    if (refusal.retryAfterSeconds !== undefined) res.set('retry-after', String(refusal.retryAfterSeconds));
    if (answersJson(req)) sendErrorJson(views, req, res, refusal);
    else sendErrorPage(views, req, res, status, code, problems, await backLinkOf(res));
  };
}
