/**
 * How any error thrown while answering a request is answered, in one place: its Refusal
 * (status, code, message key and values, a refused query's lines, Retry-After, how it is
 * logged). The gateway's pages and data files (http/error-handler.ts), the ceremony scripts'
 * JSON (ceremony/json-responses.ts) and oidc-provider's error page (oidc/pages.ts) render
 * it. A store outage is 503 `temporarily_unavailable`; a UserFacingError (and its kinds: abuse
 * limits, the ceremonies' refusals) says its own answer; express' refusals of a request
 * (body too large, unparsable, a 4xx status) are `payload_too_large`, `not_found` or
 * `invalid_request`; anything else is 500 `server_error`, logged with its stack.
 */
import type { Request } from 'express';
import type { Logger } from 'pino';
import { isStoreUnavailable, outageCause, OUTAGE_RETRY_AFTER_SECONDS } from '../store/unavailable.ts';
import { UserFacingError, type ParameterProblem } from './errors.ts';
import type { Views } from './views.ts';
import { localeOf } from './page.ts';

/**
 * What kind of refusal it is, which says how it is logged: `refused` (the code refused: info
 * "request refused" on the pages; a ceremony's script shows the person why, so nothing more),
 * `bad-request` (express refused the request: a body too large or unparsable, a 4xx status;
 * logged as `refused`), `outage` (warn with what the store said), `ceremony-failed` (warn
 * "WebAuthn ceremony refused" with the library's reason: a key that did not verify may be an
 * attack), `unexpected` (error with the stack).
 */
export type RefusalLog = 'refused' | 'bad-request' | 'outage' | 'ceremony-failed' | 'unexpected';

/** How an error is answered. */
export interface Refusal {
  status: number;
  /** `error` of a JSON answer, the code shown on a page; its message is `error.<code>` unless messageKey names another. */
  code: string;
  /** Message key under views/locales when it is not `error.<code>`. */
  messageKey?: string | undefined;
  /** Values of the message's `{placeholders}`. */
  params: Record<string, string | number>;
  /** One line each under the message (a refused query's parameters). */
  problems: readonly ParameterProblem[];
  /** Seconds the person or client is asked to wait (Retry-After). */
  retryAfterSeconds?: number | undefined;
  /** What kind of refusal, and so how it is logged (logRefusal). */
  log: RefusalLog;
  /** For the log: why, in the thrower's words (never shown). */
  detail?: string | undefined;
}

/** The answer to give for an error thrown by a route (500 server_error when it is not a known one). */
export function refusalOf(err: unknown): Refusal {
  const e = err as { status?: number; statusCode?: number; type?: string; message?: string };
  const detail = e?.message;
  if (isStoreUnavailable(err))
    return { status: 503, code: 'temporarily_unavailable', params: {}, problems: [], retryAfterSeconds: OUTAGE_RETRY_AFTER_SECONDS, log: 'outage' };
  if (err instanceof UserFacingError) {
    const { status, code, messageKey, params, problems, retryAfterSeconds } = err;
    return { status, code, messageKey, params, problems, retryAfterSeconds, log: 'refused', detail };
  }
  if (e?.type === 'entity.too.large') return { status: 413, code: 'payload_too_large', params: {}, problems: [], log: 'bad-request', detail };
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return {
      status,
      code: status === 404 ? 'not_found' : status === 413 ? 'payload_too_large' : 'invalid_request',
      params: {},
      problems: [],
      log: 'bad-request',
      detail,
    };
  }
  return { status: 500, code: 'server_error', params: {}, problems: [], log: 'unexpected' };
}

/** The message key of a refusal: its own, else `error.<code>`, else `error.generic` when views/locales has no such key. */
export function messageKeyOf(views: Views, refusal: Pick<Refusal, 'code' | 'messageKey'>): string {
  if (refusal.messageKey) return refusal.messageKey;
  return views.has(`error.${refusal.code}`) ? `error.${refusal.code}` : 'error.generic';
}

/**
 * A refusal as JSON, in the person's language: `{ error, message, problems? }`; `values`: more
 * values for the message (the ceremonies' support contact).
 */
export function refusalBody(views: Views, req: Request, refusal: Refusal, values: Record<string, string | number> = {}) {
  const t = views.t(localeOf(req));
  const problems = refusal.problems.map((p) => ({ parameter: p.parameter, message: t(p.key, { parameter: p.parameter, ...p.params }) }));
  return { error: refusal.code, message: t(messageKeyOf(views, refusal), { ...values, ...refusal.params }), ...(problems.length ? { problems } : {}) };
}

/**
 * The log line of a refusal, by its `log`; `answered`: a page or data file (`request`), or a
 * ceremony script's JSON (`ceremony`, whose expected refusals are not logged).
 */
export function logRefusal(log: Logger | undefined, refusal: Refusal, err: unknown, answered: 'request' | 'ceremony'): void {
  switch (refusal.log) {
    case 'outage':
      if (answered === 'request') log?.warn({ detail: outageCause(err) }, 'store unavailable: request refused with 503');
      else log?.warn({ detail: (err as Error).message }, 'store unavailable: ceremony refused with 503');
      return;
    case 'ceremony-failed':
      log?.warn({ code: refusal.code, detail: refusal.detail }, 'WebAuthn ceremony refused');
      return;
    case 'unexpected':
      log?.error({ err }, 'unexpected error');
      return;
    case 'refused':
    case 'bad-request':
      if (answered === 'request')
        log?.info(
          { code: refusal.code, detail: refusal.detail, ...(refusal.problems.length ? { parameters: refusal.problems.map((p) => p.parameter) } : {}) },
          'request refused',
        );
      return;
  }
}
