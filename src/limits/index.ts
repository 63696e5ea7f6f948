export { createAbuseLimits, KEY_FAILURES_LIMIT, type AbuseLimits } from './abuse-limits.ts';
export { RateLimitedError } from './refusal.ts';
