/**
 * Security headers (helmet) with a strict Content-Security-Policy: scripts and styles only
 * from the gateway itself or with this response's nonce, no inline code, no framing, forms
 * posting only to the gateway, PSC and registered relying parties (Chromium applies
 * form-action to the redirects that follow a form post). HSTS only in production.
 */
import { randomFillSync } from 'node:crypto';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

export interface SecurityHeadersOptions {
  production: boolean;
  /** Origins a form on our pages may lead to (PSC, relying parties). Read at each request. */
  formActionOrigins: () => Iterable<string>;
}

/** Bytes of randomness in a nonce: CSP asks for at least 128 bits. */
const NONCE_BYTES = 16;
/** Random bytes drawn at a time: one call into the system's CSPRNG per 256 nonces (as Node draws randomUUID's). */
const NONCE_POOL_BYTES = 4096;

/**
 * A fresh nonce per response, from a pool of random bytes of which each slice serves once: a
 * synchronous randomBytes call per page was a few µs of each request's CPU for 16 bytes.
 */
export function cspNonce(): RequestHandler {
  const pool = Buffer.alloc(NONCE_POOL_BYTES);
  let used = NONCE_POOL_BYTES;
  return (_req, res, next) => {
    if (used + NONCE_BYTES > NONCE_POOL_BYTES) {
      randomFillSync(pool);
      used = 0;
    }
    res.locals.cspNonce = pool.toString('base64', used, used + NONCE_BYTES);
    used += NONCE_BYTES;
    next();
  };
}

/** The headers every answer shares (pages and JSON alike). */
function commonHeaders(production: boolean) {
  return {
    strictTransportSecurity: production ? { maxAge: 31536000, includeSubDomains: true } : (false as const),
    referrerPolicy: { policy: 'no-referrer' as const },
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-origin' as const },
    xFrameOptions: { action: 'deny' as const },
  };
}

/**
 * For the JSON endpoints of applications (oidc/api-endpoints.ts): nothing may load, frame or
 * run from such an answer, so a fixed policy without a nonce; the other headers as for pages.
 */
export function apiSecurityHeaders(options: { production: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"], 'base-uri': ["'none'"] },
    },
    ...commonHeaders(options.production),
  });
}

export function securityHeaders(options: SecurityHeadersOptions): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'none'"],
        'script-src': ["'self'", (_req, res) => `'nonce-${(res as unknown as { locals: { cspNonce: string } }).locals.cspNonce}'`],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'"],
        'connect-src': ["'self'"],
        'form-action': ["'self'", () => [...options.formActionOrigins()].join(' ') || "'self'"],
        'frame-ancestors': ["'none'"],
        'base-uri': ["'none'"],
        'object-src': ["'none'"],
        ...(options.production ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    ...commonHeaders(options.production),
  });
}
