/**
 * One log line per request (pino-http) with a request id: the caller's X-Request-Id when it
 * is a sane token, otherwise a new UUID, echoed in the response. URLs are logged without
 * the query values that carry secrets (code, tokens, state, hints). A 503 or 429 is a warning.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;
const SECRET_PARAMS =
  /^(code|state|nonce|id_token_hint|id_token|access_token|refresh_token|token|client_secret|code_verifier|code_challenge|assertion|client_assertion|login_hint|session_state|logout_token|request|request_uri)$/i;

/** The URL with secret-bearing query values replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const key of [...params.keys()]) if (SECRET_PARAMS.test(key)) params.set(key, '[redacted]');
  return `${url.slice(0, q)}?${params.toString()}`;
}

export function requestLog(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    customLogLevel(_req, res, err) {
      // 503 (store outage) and 429 (abuse limit) are expected refusals, logged where they happen.
      if (res.statusCode === 503 || res.statusCode === 429) return 'warn';
      if (err || res.statusCode >= 500) return 'error';
      return 'info';
    },
    customErrorObject(_req, res, _err, fields) {
      // pino-http makes up an Error (with a stack) for every 5xx: an outage's 503 needs none.
      return res.statusCode === 503 ? { ...fields, err: undefined } : fields;
    },
    serializers: {
      req(req: { id: unknown; method: string; url: string; remoteAddress?: string }) {
        return { id: req.id, method: req.method, url: redactUrl(req.url), remoteAddress: req.remoteAddress };
      },
      res(res: { statusCode: number }) {
        return { statusCode: res.statusCode };
      },
    },
  });
}
