/**
 * Refuses oversized or malformed query strings before oidc-provider sees them: at most
 * 8 KiB of query, 64 parameters and 4 KiB per value. The refusal is an error page (the
 * redirect_uri of such a request cannot be trusted), status 400; nothing is stored.
 */
import type { RequestHandler } from 'express';
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
    const query = req.originalUrl.slice(q + 1);
    if (query.length > limits.maxQueryLength) return next(new UserFacingError(400, 'invalid_request', `query string of ${query.length} characters (max ${limits.maxQueryLength})`));
    let params: URLSearchParams;
    try {
      decodeURIComponent(query.replace(/\+/g, ' '));
      params = new URLSearchParams(query);
    } catch {
      return next(new UserFacingError(400, 'invalid_request', 'query string is not valid percent-encoding'));
    }
    let count = 0;
    for (const [key, value] of params) {
      count += 1;
      if (count > limits.maxParams) return next(new UserFacingError(400, 'invalid_request', `more than ${limits.maxParams} query parameters`));
      if (value.length > limits.maxValueLength) return next(new UserFacingError(400, 'invalid_request', `parameter ${key.slice(0, 40)} has ${value.length} characters (max ${limits.maxValueLength})`));
    }
    next();
  };
}
