/**
 * The gateway's error pages: a refusal (http/refusal.ts) is rendered as the French/English page
 * (never a stack trace), with a way back to the application when the route knows it, and an
 * unexpected error is logged with the request id the page shows. A request for a data file (a
 * path ending `.json`, `.jsonl` or `.csv`: the pilot's and the audit trail's exports) gets the
 * same refusal as JSON `{ error, message, problems? }` instead.
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Views } from './views.ts';
import { sendPage } from './page.ts';
import { backLinkOf, type BackLink } from './back-link.ts';
import { UserFacingError } from './errors.ts';
import { logRefusal, messageKeyOf, refusalBody, refusalOf, type Refusal } from './refusal.ts';

/** Renders the error page of a refusal, with the way back to the application when it is known (http/back-link.ts). */
function sendErrorPage(views: Views, req: Request, res: Response, refusal: Refusal, back?: BackLink): void {
  const { status, code, params, problems } = refusal;
  sendPage(views, req, res, 'error', { messageKey: messageKeyOf(views, refusal), params, code, problems, back }, status);
}

/** The same refusal as JSON, in the person's language: `{ error, message, problems? }`. */
function sendErrorJson(views: Views, req: Request, res: Response, refusal: Refusal): void {
  res
    .status(refusal.status)
    .set('cache-control', 'no-store')
    .json(refusalBody(views, req, refusal));
}

/** A data file (the pilot's and the audit trail's exports): refusals are JSON, not a page. */
function answersJson(req: Request): boolean {
  return /\.(?:json|jsonl|csv)$/.test(req.path);
}

export function notFound(views: Views): RequestHandler {
  return (req, res) => sendErrorPage(views, req, res, refusalOf(new UserFacingError(404, 'not_found')));
}

export function errorHandler(views: Views): ErrorRequestHandler {
  return async (err, req, res, _next) => {
    const refusal = refusalOf(err);
    logRefusal(req.log, refusal, err, 'request');
    if (res.headersSent) return;
    if (refusal.retryAfterSeconds !== undefined) res.set('retry-after', String(refusal.retryAfterSeconds));
    if (answersJson(req)) sendErrorJson(views, req, res, refusal);
    else sendErrorPage(views, req, res, refusal, await backLinkOf(res));
  };
}
