/**
 * One abuse limit: a budget of `points` requests per `seconds` window and per key (a client
 * address, an account, a relying party), counted in Redis so that every instance shares it (one
 * INCRBY per count or point given back: countInRedis), or in memory for the in-memory store
 * (rate-limiter-flexible, which on Redis still names the keys). A refusal says how long to
 * wait and whether it is the first refusal of the window (audited once, not per request).
 * When Redis cannot be reached the limit cannot be checked: StoreUnavailableError (503).
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Cluster, Redis } from 'ioredis';
import { setBounded } from '../store/bounded-map.ts';
import { StoreUnavailableError } from '../store/unavailable.ts';
import { coalescedCount, type Count } from './coalesced-count.ts';

export interface Budget {
  points: number;
  seconds: number;
}

export type Verdict = { allowed: true } | { allowed: false; retryAfterSeconds: number; firstRefusal: boolean };

export interface Limiter {
  readonly name: string;
  /** Counts one request for `key`. */
  consume(key: string): Promise<Verdict>;
  /** Refused when the budget is already spent (counts nothing). */
  peek(key: string): Promise<Verdict>;
  /**
   * Refused when a consume made by THIS process was refused and its window is not over: no
   * round trip. Another instance learns it at its own next refused consume (so with n
   * instances a key gets at most n - 1 more counted requests before all refuse it).
   */
  refusedHere(key: string): Verdict;
  /** Gives one point back (a request that turned out not to be the key's, e.g. a failed client authentication). */
  giveBack(key: string): Promise<void>;
}

export interface LimiterBackend {
  /** The Redis client of the store; none = in-memory store. */
  redis?: Redis | Cluster;
  /** The store's key prefix; limiter keys are `<prefix>rl:<name>:<key>`. */
  prefix: string;
}

/** Keys remembered as refused by this process, at most (the oldest are forgotten first). */
export const REFUSED_HERE_MAX = 10_000;

export function createLimiter(name: string, budget: Budget, backend: LimiterBackend): Limiter {
  const refusedUntil = new Map<string, number>();
  const rememberRefusal = (key: string, msBeforeNext: number) => setBounded(refusedUntil, key, Date.now() + msBeforeNext, REFUSED_HERE_MAX);
  const options = { keyPrefix: `${backend.prefix}rl:${name}`, points: budget.points, duration: budget.seconds };
  const limiter: RateLimiterAbstract = backend.redis
    ? new RateLimiterRedis({ ...options, storeClient: backend.redis, rejectIfRedisNotReady: true })
    : new RateLimiterMemory(options);
  // Concurrent consumes of one key share one call (coalesced-count.ts); a refusal is an answer.
  const redis = backend.redis;
  const count = coalescedCount(async (key, points): Promise<Count> => {
    try {
      return redis ? await countInRedis(redis, limiter.getKey(key), points, budget) : await limiter.consume(key, points);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return rejection;
      throw new StoreUnavailableError(rejection);
    }
  });
  return {
    name,
    async consume(key) {
      const counted = await count(key);
      if (counted.consumedPoints <= budget.points) return { allowed: true };
      rememberRefusal(key, counted.msBeforeNext);
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil(counted.msBeforeNext / 1000)),
        firstRefusal: counted.consumedPoints === budget.points + 1,
      };
    },
    async peek(key) {
      let state: { consumedPoints: number; msBeforeNext: () => Promise<number> } | null;
      try {
        state = redis ? await peekRedis(redis, limiter.getKey(key)) : await peekLibrary(limiter, key);
      } catch (err) {
        throw new StoreUnavailableError(err);
      }
      if (!state || state.consumedPoints <= budget.points) return { allowed: true };
      let msBeforeNext: number;
      try {
        msBeforeNext = await state.msBeforeNext();
      } catch (err) {
        throw new StoreUnavailableError(err);
      }
      // A count somehow without expiry: the window's length, as countInRedis mends it.
      if (msBeforeNext <= 0) msBeforeNext = budget.seconds * 1000;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(msBeforeNext / 1000)), firstRefusal: false };
    },
    refusedHere(key) {
      const until = refusedUntil.get(key);
      if (until === undefined) return { allowed: true };
      const left = until - Date.now();
      if (left <= 0) {
        refusedUntil.delete(key);
        return { allowed: true };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(left / 1000)), firstRefusal: false };
    },
    async giveBack(key) {
      try {
        if (redis) await countInRedis(redis, limiter.getKey(key), -1, budget);
        else await limiter.reward(key, 1);
      } catch (err) {
        throw new StoreUnavailableError(err);
      }
    },
  };
}

/**
 * A consume counted on Redis, or a point given back (`points` -1): one INCRBY while the budget
 * holds, no script (rate-limiter-flexible's consume() and reward() run one: EVALSHA and its
 * INCRBY, two commands). The count that created
 * the key (its total is the points just added) gives it the window as expiry, a second command
 * once per window; a refusal reads the time left, the one answer that needs it (Retry-After).
 * The two are not one atomic call: a key whose EXPIRE was lost (the process or Redis stopped
 * between them) counts on without expiry until its first refusal, which gives it the window, as
 * for any key found without expiry. At worst that key is refused one window early; a count is
 * never lost, so no instance ever allows more than the budget.
 */
async function countInRedis(redis: Redis | Cluster, fullKey: string, points: number, budget: Budget): Promise<Count> {
  const consumed = await redis.incrby(fullKey, points);
  if (consumed === points) {
    await redis.expire(fullKey, budget.seconds);
    return { consumedPoints: consumed, msBeforeNext: budget.seconds * 1000 };
  }
  if (consumed <= budget.points) return { consumedPoints: consumed, msBeforeNext: 0 };
  let msBeforeNext = await redis.pttl(fullKey);
  if (msBeforeNext < 0) {
    await redis.expire(fullKey, budget.seconds);
    msBeforeNext = budget.seconds * 1000;
  }
  return { consumedPoints: consumed, msBeforeNext };
}

/**
 * The count of a key on Redis without rate-limiter-flexible's get() (MULTI, GET, PTTL, EXEC:
 * four commands): one GET, and the time left read only for a spent budget, the one case that
 * needs it (Retry-After).
 */
async function peekRedis(redis: Redis | Cluster, fullKey: string) {
  const value = await redis.get(fullKey);
  if (value === null) return null;
  return { consumedPoints: Number(value), msBeforeNext: () => redis.pttl(fullKey) };
}

async function peekLibrary(limiter: RateLimiterAbstract, key: string) {
  const state = await limiter.get(key);
  if (!state) return null;
  return { consumedPoints: state.consumedPoints, msBeforeNext: async () => state.msBeforeNext };
}

/** A limit that never refuses (limits.enabled = false, for load tests on a private stack). */
export function unlimited(name: string): Limiter {
  return {
    name,
    consume: async () => ({ allowed: true }),
    peek: async () => ({ allowed: true }),
    refusedHere: () => ({ allowed: true }),
    giveBack: async () => {},
  };
}
