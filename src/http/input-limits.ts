/**
 * Input limits before oidc-provider sees a request. Query strings: at most 8 KiB, 64
 * parameters and 4 KiB per value; the refusal is an error page (the redirect_uri of such a
 * request cannot be trusted), status 400. Form bodies of the relying parties' back-channel
 * endpoints (token, introspection, revocation): at most 56 KiB (oidc-provider's own cap),
 * 32 parameters and 8 KiB per value (room for a client assertion); the refusal is an OAuth
 * JSON error. Nothing is stored either way. Interaction forms and ceremony bodies have
 * their own parsers and limits (interactions/routes.ts, ceremony/json-responses.ts).
 */
import express, { type RequestHandler } from 'express';
import { UserFacingError } from './errors.ts';

export interface InputLimits {
  maxQueryLength: number;
  maxParams: number;
  maxValueLength: number;
}

export const DEFAULT_INPUT_LIMITS: InputLimits = { maxQueryLength: 8192, maxParams: 64, maxValueLength: 4096 };

export function queryLimits(limits: InputLimits = DEFAULT_INPUT_LIMITS): RequestHandler {
  return (req, _res, next) => {
    const q = req.originalUrl.indexOf('?');
    if (q < 0) return next();
    const problem = paramsProblem(req.originalUrl.slice(q + 1), 'query string', limits);
    return next(problem ? new UserFacingError(400, 'invalid_request', problem) : undefined);
  };
}

/**
 * What is wrong with form-serialised parameters (a query string, or the body of a POST that
 * stands for one) under these limits: too long, not valid percent-encoding, too many
 * parameters, one too long; undefined when nothing is.
 */
export function paramsProblem(serialised: string, what: string, limits: InputLimits = DEFAULT_INPUT_LIMITS): string | undefined {
  if (serialised.length > limits.maxQueryLength) return `${what} of ${serialised.length} characters (max ${limits.maxQueryLength})`;
  let params: URLSearchParams;
  try {
    decodeURIComponent(serialised.replace(/\+/g, ' '));
    params = new URLSearchParams(serialised);
  } catch {
    return `${what} is not valid percent-encoding`;
  }
  let count = 0;
  for (const [key, value] of params) {
    count += 1;
    if (count > limits.maxParams) return `more than ${limits.maxParams} parameters in the ${what}`;
    if (value.length > limits.maxValueLength) return `parameter ${key.slice(0, 40)} has ${value.length} characters (max ${limits.maxValueLength})`;
  }
  return undefined;
}

export const BACKCHANNEL_FORM_LIMITS = { maxBytes: '56kb', maxParams: 32, maxValueLength: 8192 } as const;

/**
 * Reads the form body of POSTs to these paths as text (oidc-provider parses that text itself)
 * and refuses one that is too big, unreadable or has too many or too long parameters.
 */
export function backchannelFormLimits(paths: readonly string[], limits = BACKCHANNEL_FORM_LIMITS): RequestHandler {
  const read = express.text({ type: 'application/x-www-form-urlencoded', limit: limits.maxBytes });
  return (req, res, next) => {
    if (req.method !== 'POST' || !paths.includes(req.path)) return next();
    const refuse = (status: number, description: string) =>
      res.status(status).set('cache-control', 'no-store').json({ error: 'invalid_request', error_description: description });
    read(req, res, (err?: unknown) => {
      if (err) return (err as { type?: string }).type === 'entity.too.large' ? refuse(413, 'request body too large') : refuse(400, 'unreadable request body');
      if (typeof req.body !== 'string') return next();
      const params = [...new URLSearchParams(req.body)];
      if (params.length > limits.maxParams) return refuse(400, `more than ${limits.maxParams} parameters`);
      const long = params.find(([, value]) => value.length > limits.maxValueLength);
      if (long) return refuse(400, `parameter ${long[0].slice(0, 40)} is longer than ${limits.maxValueLength} characters`);
      return next();
    });
  };
}
