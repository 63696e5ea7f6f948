/**
 * The gateway's abuse limits, wired to requests: sign-in steps per client address, failed
 * key sign-ins per account, token and pushed authorization requests per relying party, and
 * failed client authentications per address (token, introspection, revocation, PAR). When Redis is down the limits step aside (see
 * unlessUnavailable). A refusal is a RateLimitedError (429 + Retry-After, rendered
 * by the caller's error handler); the first refusal of a window is audited (`ratelimit.hit`).
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Cluster, Redis } from 'ioredis';
import type { Config } from '../config/index.ts';
import type { RequestAudit } from '../http/audit.ts';
import { createLimiter, unlimited, type Limiter } from './limiter.ts';
import { RateLimitedError } from './refusal.ts';
import { isStoreUnavailable } from '../store/unavailable.ts';
import { basicClientId, bodyClientId } from './token-client.ts';
import type { AccountGate } from '../webauthn/verify-authentication.ts';
import { stepBudgets } from './declared-networks.ts';

/** Name of the failed-key-sign-ins-per-account limit (its refusal points the clinician to PSC). */
const KEY_FAILURES_LIMIT = 'key-failures-account';

export interface AbuseLimits {
  /** Middleware: one sign-in step (authorization request, PSC start and return, key ceremony) for this address, or its declared network. */
  signinStep: RequestHandler;
  /**
   * Failed key sign-ins per account: refuses a key ceremony for an account past its budget
   * (RateLimitedError) and counts each failure. Only the key path closes: PSC stays open, so
   * that someone who knows a credential id cannot lock the clinician out.
   */
  keyAccountGate(req: Request): AccountGate;
  /**
   * Middleware in front of the endpoints where relying parties authenticate (token,
   * introspection, revocation, PAR): refuses an address that failed client authentication too
   * often, and counts the requests to `counted` (token, PAR: one budget) against the client
   * they name.
   */
  clientEndpoint(paths: { counted: readonly string[]; all: readonly string[] }): RequestHandler;
  /**
   * Called when such a request is answered, before the answer leaves. A request whose client
   * did not authenticate (a 401, or refused before authentication) was not that client's: its
   * point is given back; a 401 counts as a failure for the address.
   */
  clientRequestAnswered(req: Request, res: Response, outcome: { status: number; authenticated: boolean }): Promise<void>;
}

export interface AbuseLimitsDeps {
  limits: Config['limits'];
  /** The store's Redis client (none = in-memory store) and key prefix. */
  redis?: Redis | Cluster | undefined;
  prefix: string;
  audit: RequestAudit;
}

/** OAuth error body of a refused token request (read by relying parties, not people). */
function tokenRefusalBody(err: RateLimitedError) {
  return { error: 'temporarily_unavailable', error_description: `too many requests; retry after ${err.retryAfterSeconds} s` };
}

/** The path of the request with the interaction uid hidden, for the audit event. */
function routeOf(req: Request): string {
  return `${req.method} ${(req.baseUrl + req.path).replace(/^\/interaction\/[^/]+/, '/interaction/:uid').slice(0, 100)}`;
}

export function createAbuseLimits(deps: AbuseLimitsDeps): AbuseLimits {
  const { limits, audit } = deps;
  const make = (name: string, budget: Config['limits']['signinPerIp']): Limiter =>
    limits.enabled ? createLimiter(name, budget, { redis: deps.redis, prefix: deps.prefix }) : unlimited(name);
  const perIp = make('signin-ip', limits.signinPerIp);
  const keyFailures = make(KEY_FAILURES_LIMIT, limits.keyFailuresPerAccount);
  const perClient = make('token-client', limits.tokenPerClient);
  const authFailures = make('client-auth-ip', limits.clientAuthFailuresPerIp);

  /** Counts one request; on refusal audits the first one of the window and throws. */
  async function check(limiter: Limiter, key: string, req: Request, who: { actor?: string; clientId?: string }, network?: string): Promise<void> {
    const verdict = await limiter.consume(key);
    if (verdict.allowed) return;
    if (verdict.firstRefusal) {
      const where = network ? { network } : {};
      req.log?.warn({ limit: limiter.name, ...who, ...where }, 'abuse limit reached');
      await audit.record(
        { type: 'ratelimit.hit', outcome: 'failure', ...who, reason: limiter.name, details: { limit: limiter.name, route: routeOf(req), ...where } },
        req,
      );
    }
    throw new RateLimitedError(limiter.name, verdict.retryAfterSeconds);
  }

  /**
   * Redis down: the limit cannot be checked, and the request is let through to its handler,
   * which needs the store too and answers as an outage should (a 503 page, or
   * temporarily_unavailable sent to the relying party by oidc-provider).
   */
  const unlessUnavailable = (err: unknown) => (isStoreUnavailable(err) ? undefined : err);
  const ipOf = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';
  const stepBudgetOf = stepBudgets({ networks: limits.networks, perAddress: perIp, make, ipOf });

  return {
    signinStep: (req, _res, next) => {
      const { limiter, key, network } = stepBudgetOf(req);
      check(limiter, key, req, {}, network).then(
        () => next(),
        (err: unknown) => next(unlessUnavailable(err)),
      );
    },

    keyAccountGate: (req) => ({
      async admit(idNat) {
        const verdict = await keyFailures.peek(idNat);
        // The message points to PSC, which stays open.
        if (!verdict.allowed) throw new RateLimitedError(keyFailures.name, verdict.retryAfterSeconds, { messageKey: 'error.rate_limited_key' });
      },
      async failed(idNat) {
        await check(keyFailures, idNat, req, { actor: idNat }).catch((err: unknown) => {
          if (!(err instanceof RateLimitedError)) throw err; // this failure is already refused
        });
      },
    }),

    clientEndpoint: (paths) => (req, res, next) => {
      if (req.method !== 'POST' || !paths.all.includes(req.path)) return next();
      const counted = paths.counted.includes(req.path);
      const refuse = (err: unknown) => {
        if (!(err instanceof RateLimitedError)) return next(unlessUnavailable(err));
        res
          .status(429)
          .set({ 'retry-after': String(err.retryAfterSeconds), 'cache-control': 'no-store' })
          .json(tokenRefusalBody(err));
      };
      const admit = async () => {
        // The form body was read as text by backchannelFormLimits (http/input-limits.ts).
        // Too many failed client authentications from this address (a secret being guessed):
        // refused before anything is counted against the client it names. Checked in this
        // process's memory (no round trip on every token request): the failures are counted
        // in Redis, and each instance refuses the address from its first refused failure on.
        const guessing = authFailures.refusedHere(ipOf(req));
        if (!guessing.allowed) throw new RateLimitedError(authFailures.name, guessing.retryAfterSeconds);
        const clientId = counted ? (basicClientId(req) ?? bodyClientId(req.body)) : undefined;
        if (!clientId) return;
        await check(perClient, clientId, req, { clientId });
        res.locals.countedClientId = clientId;
      };
      admit().then(() => next(), refuse);
    },

    async clientRequestAnswered(req, res, { status, authenticated }) {
      const clientId = res.locals.countedClientId as string | undefined;
      if (clientId && (status === 401 || !authenticated)) await perClient.giveBack(clientId);
      if (status !== 401) return;
      await check(authFailures, ipOf(req), req, {}).catch((err: unknown) => {
        if (!(err instanceof RateLimitedError)) throw err; // this one is already answered
      });
    },
  };
}
