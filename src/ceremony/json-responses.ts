/**
 * JSON answers of the ceremony endpoints called by the pages' scripts: a refusal (http/refusal.ts)
 * becomes `{ error, message }` with the message in the person's language (the script shows
 * it in a live region), never a stack trace; oversized or unparsable bodies are refused. The
 * webauthn module's own errors are refusals of the ceremony (ceremonyRefusalOf).
 */
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import { CredentialNameError, WebAuthnError } from '../webauthn/index.ts';
import { logRefusal, refusalBody, refusalOf, type Refusal } from '../http/refusal.ts';
import type { Views } from '../http/views.ts';

/** Body parser of the ceremony endpoints: JSON only, 16 KiB at most. */
export const ceremonyBody = express.json({ limit: '16kb', strict: true, type: 'application/json' });

/**
 * The refusal a ceremony's script is answered for an error: the webauthn module's (a key that
 * did not verify: 400 with its message under `webauthn.error.`, logged; a key name that cannot
 * be used), a UserFacingError or an outage (http/refusal.ts); undefined for any other (express'
 * refusals of the request, unexpected errors), which the error pages answer.
 */
function ceremonyRefusalOf(err: unknown): Refusal | undefined {
  if (err instanceof WebAuthnError)
    return {
      status: 400,
      code: err.code,
      messageKey: `webauthn.error.${err.code}`,
      params: {},
      problems: [],
      log: 'ceremony-failed',
      detail: err.detail ?? err.message,
    };
  if (err instanceof CredentialNameError) return { status: 400, code: 'invalid_key_name', params: {}, problems: [], log: 'refused' };
  const refusal = refusalOf(err);
  return refusal.log === 'refused' || refusal.log === 'outage' ? refusal : undefined;
}

/** The body parser's refusals: too large, or not JSON (the `malformed` ceremony refusal). */
function bodyRefusalOf(err: unknown): Refusal | undefined {
  const type = (err as { type?: string } | undefined)?.type;
  if (type === 'entity.too.large') return refusalOf(err);
  if (type === 'entity.parse.failed' || type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return { status: 400, code: 'malformed', messageKey: 'webauthn.error.malformed', params: {}, problems: [], log: 'bad-request' };
  }
  return undefined;
}

/** The refusal as JSON; `support`: the contact named by the messages of a refused key. */
function sendRefusal(views: Views, support: string, req: Request, res: Response, err: unknown, refusal: Refusal): void {
  logRefusal(req.log, refusal, err, 'ceremony');
  if (refusal.retryAfterSeconds !== undefined) res.set('retry-after', String(refusal.retryAfterSeconds));
  res.status(refusal.status).json(refusalBody(views, req, refusal, { support }));
}

/** Answers a ceremony's error as JSON; any other error is thrown again, for the error pages. */
export function sendCeremonyError(views: Views, supportContact: string, req: Request, res: Response, err: unknown): void {
  const refusal = ceremonyRefusalOf(err);
  if (!refusal) throw err;
  sendRefusal(views, supportContact, req, res, err, refusal);
}

/** Error middleware for the ceremony routes: JSON instead of the HTML error page (which other errors get). */
export function ceremonyErrors(views: Views): ErrorRequestHandler {
  return (err, req, res, next) => {
    const refusal = bodyRefusalOf(err) ?? ceremonyRefusalOf(err);
    if (!refusal) return next(err);
    sendRefusal(views, '', req, res, err, refusal);
  };
}
