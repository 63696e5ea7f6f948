export { createAbuseLimits, type AbuseLimits } from './abuse-limits.ts';
export { RateLimitedError } from './refusal.ts';
