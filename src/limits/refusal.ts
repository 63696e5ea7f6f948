/**
 * A request refused by an abuse limit: status 429 with Retry-After, a kind of UserFacingError
 * (its answer: http/refusal.ts). The gateway's pages show the French "too many attempts" page,
 * the ceremony scripts get JSON, relying parties at the token endpoint get the OAuth error
 * `temporarily_unavailable` (RFC 6749: temporary overload).
 */
import { UserFacingError } from '../http/errors.ts';

export class RateLimitedError extends UserFacingError {
  readonly limit: string;
  declare readonly retryAfterSeconds: number;
  /** `messageKey`: when the message is not the generic "too many attempts" (`error.rate_limited`). */
  constructor(limit: string, retryAfterSeconds: number, options: { messageKey?: string } = {}) {
    super(429, 'rate_limited', `rate limit ${limit} exceeded; retry after ${retryAfterSeconds} s`, { retryAfterSeconds, ...options });
    this.name = 'RateLimitedError';
    this.limit = limit;
  }
}
