/**
 * JSON answers of the ceremony endpoints called by the pages' scripts: a WebAuthn failure
 * becomes `{ error, message }` with the message in the person's language (the script shows
 * it in a live region), never a stack trace; oversized or unparsable bodies are refused.
 */
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import { CredentialNameError, WebAuthnError } from '../webauthn/index.ts';
import { OUTAGE_RETRY_AFTER_SECONDS, UserFacingError } from '../http/errors.ts';
import { isStoreUnavailable } from '../store/unavailable.ts';
import { KEY_FAILURES_LIMIT, RateLimitedError } from '../limits/index.ts';
import { localeOf } from '../http/page.ts';
import type { Views } from '../http/views.ts';

/**
 * Why a ceremony that succeeded cannot sign in here: the level is too low, PSC must vouch again,
 * or a quick re-authentication is not allowed (not on a shared-workstation network, or no full
 * sign-in there within the window).
 */
export type JourneyRefusalCode = 'insufficient-level' | 'psc-refresh-required' | 'quick-not-here' | 'quick-window-over';

/** A ceremony that succeeded but cannot sign in here (see JourneyRefusalCode). */
export class JourneyRefusal extends Error {
  readonly code: JourneyRefusalCode;
  readonly params: Record<string, string | number>;
  constructor(code: JourneyRefusalCode, params: Record<string, string | number> = {}) {
    super(code);
    this.name = 'JourneyRefusal';
    this.code = code;
    this.params = params;
  }
}

/** Body parser of the ceremony endpoints: JSON only, 16 KiB at most. */
export const ceremonyBody = express.json({ limit: '16kb', strict: true, type: 'application/json' });

export function sendCeremonyError(views: Views, supportContact: string, req: Request, res: Response, err: unknown): void {
  const t = views.t(localeOf(req));
  if (err instanceof WebAuthnError) {
    req.log.warn({ code: err.code, detail: err.detail ?? err.message }, 'WebAuthn ceremony refused');
    res.status(400).json({ error: err.code, message: t(`webauthn.error.${err.code}`, { support: supportContact }) });
    return;
  }
  if (err instanceof JourneyRefusal) {
    res.status(403).json({ error: err.code, message: t(`webauthn.error.${err.code}`, err.params) });
    return;
  }
  if (err instanceof CredentialNameError) {
    res.status(400).json({ error: 'invalid_key_name', message: t('error.invalid_key_name') });
    return;
  }
  if (err instanceof UserFacingError) {
    res.status(err.status).json({ error: err.code, message: t(`error.${err.code}`) });
    return;
  }
  if (err instanceof RateLimitedError) {
    // A key refused for its account's failures: the message points to PSC, which stays open.
    const messageKey = err.limit === KEY_FAILURES_LIMIT ? 'error.rate_limited_key' : 'error.rate_limited';
    res.status(429).set('retry-after', String(err.retryAfterSeconds)).json({ error: err.code, message: t(messageKey) });
    return;
  }
  if (isStoreUnavailable(err)) {
    req.log.warn({ detail: (err as Error).message }, 'store unavailable: ceremony refused with 503');
    res.status(503).set('retry-after', String(OUTAGE_RETRY_AFTER_SECONDS)).json({ error: 'temporarily_unavailable', message: t('error.temporarily_unavailable') });
    return;
  }
  throw err;
}

/** Error middleware for the ceremony routes: JSON instead of the HTML error page. */
export function ceremonyErrors(views: Views): ErrorRequestHandler {
  return (err, req, res, next) => {
    const e = err as { type?: string; status?: number };
    const t = views.t(localeOf(req));
    if (e?.type === 'entity.too.large') return res.status(413).json({ error: 'payload_too_large', message: t('error.payload_too_large') });
    if (e?.type === 'entity.parse.failed' || e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return res.status(400).json({ error: 'malformed', message: t('webauthn.error.malformed') });
    if (err instanceof WebAuthnError || err instanceof UserFacingError || err instanceof CredentialNameError || err instanceof RateLimitedError || isStoreUnavailable(err)) return sendCeremonyError(views, '', req, res, err);
    next(err);
  };
}
