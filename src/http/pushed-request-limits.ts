/**
 * pushedRequestLimits: the authorization parameters of a pushed request (RFC 9126) are held to
 * the limits of the authorization endpoint's query string (input-limits.ts: 8 KiB in all, 4 KiB
 * per value), so that pushing is no way around them; client authentication (an assertion up to
 * 8 KiB) is outside that count. Runs after backchannelFormLimits has read the body as text and
 * applied the back-channel caps. The refusal is the OAuth error `invalid_request`, status 400.
 */
import type { RequestHandler } from 'express';
import { DEFAULT_INPUT_LIMITS, paramsProblem, type InputLimits } from './input-limits.ts';

/** Client authentication parameters (RFC 6749 §2.3.1, RFC 7523 §2.2): not part of the authorization request. */
const CLIENT_AUTH_PARAMS: ReadonlySet<string> = new Set(['client_id', 'client_secret', 'client_assertion', 'client_assertion_type']);

/** What is wrong with the authorization part of a pushed request's form, or undefined. */
export function pushedRequestProblem(form: string, limits: InputLimits = DEFAULT_INPUT_LIMITS): string | undefined {
  const authorization = new URLSearchParams([...new URLSearchParams(form)].filter(([name]) => !CLIENT_AUTH_PARAMS.has(name)));
  const problem = paramsProblem(authorization.toString(), 'pushed authorization request', limits);
  return problem && `${problem}, as at the authorization endpoint`;
}

/** Middleware for POSTs to `path` (the pushed authorization request endpoint). */
export function pushedRequestLimits(path: string, limits: InputLimits = DEFAULT_INPUT_LIMITS): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST' || req.path !== path || typeof req.body !== 'string') return next();
    const problem = pushedRequestProblem(req.body, limits);
    if (!problem) return next();
    res.status(400).set('cache-control', 'no-store').json({ error: 'invalid_request', error_description: problem });
  };
}
