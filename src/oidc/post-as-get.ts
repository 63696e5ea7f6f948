/**
 * POST to the authorization and end-session endpoints (OIDC Core §3.1.2.1, RP-Initiated
 * Logout 1.0 §2): the form-serialised parameters are checked with the limits of a query
 * string, then the browser is sent to the same endpoint by GET with those parameters (303).
 *
 * Why not oidc-provider's own POST support (`enableHttpPostMethods`): it requires the session
 * cookie to be `SameSite=None`. With `Lax` a browser sends no session cookie on a cross-site
 * POST, so a POST handled in place would see no session: no single sign-on, and a logout that
 * ends nothing on the server (and tells no relying party) while replacing the browser's session
 * cookie. The GET that follows a 303 is a top-level navigation, which does carry it.
 * Refusals are the French error page (the redirect_uri of a request that breaks the limits
 * cannot be trusted), status 400; nothing is stored.
 */
import express, { type RequestHandler } from 'express';
import { UserFacingError } from '../http/errors.ts';
import { DEFAULT_INPUT_LIMITS, paramsProblem, type InputLimits } from '../http/input-limits.ts';

export interface PostAsGetOptions {
  /** The error page's code for a refused request (`invalid_request`, `invalid_logout_request`). */
  errorCode: string;
  limits?: InputLimits;
}

/** Middleware for `POST <path>`: refuses, or redirects (303) to `GET <path>?<body>`. */
export function postAsGet(path: string, options: PostAsGetOptions): RequestHandler[] {
  const limits = options.limits ?? DEFAULT_INPUT_LIMITS;
  // A little room over the parameter limits for the percent-encoding itself; the limits decide.
  const read = express.text({ type: () => true, limit: limits.maxQueryLength * 2 });
  const refuse = (detail: string) => new UserFacingError(400, options.errorCode, detail);
  return [
    (req, _res, next) => {
      if (req.originalUrl.includes('?')) return next(refuse('parameters of a POST request go in its form body, not in the URL'));
      if (!req.is('application/x-www-form-urlencoded'))
        return next(refuse(`content type ${JSON.stringify(req.get('content-type') ?? '')} (expected application/x-www-form-urlencoded)`));
      return next();
    },
    read,
    (req, res, next) => {
      const body = typeof req.body === 'string' ? req.body : '';
      // Re-serialised, and checked as such: the GET sees exactly the parameters this request
      // carried, and the URL it gets is held to the query limits (a body of raw, unencoded
      // characters grows when encoded, up to nine bytes each).
      const query = new URLSearchParams(body).toString();
      const problem = paramsProblem(body, 'form body', limits) ?? paramsProblem(query, 'form body, encoded for the URL,', limits);
      if (problem) return next(refuse(problem));
      res.set('cache-control', 'no-store').redirect(303, query ? `${path}?${query}` : path);
    },
  ];
}
