/**
 * A request refused by an abuse limit: status 429 with Retry-After. The gateway's pages show
 * the French "too many attempts" page, the ceremony scripts get JSON, relying parties at the
 * token endpoint get the OAuth error `temporarily_unavailable` (RFC 6749: temporary overload).
 */
export class RateLimitedError extends Error {
  readonly status = 429;
  readonly code = 'rate_limited';
  readonly limit: string;
  readonly retryAfterSeconds: number;
  constructor(limit: string, retryAfterSeconds: number) {
    super(`rate limit ${limit} exceeded; retry after ${retryAfterSeconds} s`);
    this.name = 'RateLimitedError';
    this.limit = limit;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
