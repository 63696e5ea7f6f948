/**
 * Fault injection for the gateway's negative tests, as an oidc-provider (Koa) middleware
 * around the token and userinfo endpoints. Reads the faults on every request, so a test
 * can change them between calls, or reset them by assigning `{}`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { corruptIdToken, ID_TOKEN_FAULTS, type IdTokenFault } from './corrupt-id-token.ts';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { SimulatorLogger } from './logger.ts';
import type { SigningKey } from './signing-key.ts';

export interface PscFaults {
  /** Delay every token-endpoint and userinfo response by this many ms (simulates a slow PSC). */
  delayMs?: number;
  /** Answer the token endpoint with this HTTP status and a JSON error instead of tokens (e.g. 503). */
  tokenStatus?: number;
  /** Corrupt the ID token in the token response: flip a signature byte; re-sign with iss changed; re-sign with aud changed; re-sign already expired; re-sign with another nonce; sign with a key that is NOT in the JWKS. */
  idToken?: IdTokenFault;
}

export interface FaultsMiddlewareOptions {
  /** Returns the faults in force (read on every request: the object may be replaced). */
  faults: () => PscFaults;
  /** Paths of the token and userinfo endpoints as the provider sees them (relative to the issuer). */
  tokenPath: string;
  userinfoPath: string;
  signingKey: SigningKey;
  logger: SimulatorLogger;
}

/** OAuth error code matching an HTTP status, for the `tokenStatus` fault. */
function errorCodeFor(status: number): string {
  if (status === 400) return 'invalid_request';
  if (status === 401) return 'invalid_client';
  if (status === 503) return 'temporarily_unavailable';
  return 'server_error';
}

export function faultsMiddleware(options: FaultsMiddlewareOptions) {
  const { tokenPath, userinfoPath, signingKey, logger } = options;
  return async function applyFaults(ctx: KoaContextWithOIDC, next: () => Promise<unknown>): Promise<unknown> {
    const isToken = ctx.path === tokenPath;
    if (!isToken && ctx.path !== userinfoPath) return next();
    const faults = options.faults() ?? {};

    const delayMs = faults.delayMs;
    if (typeof delayMs === 'number' && delayMs > 0) {
      logger.info({ fault: 'delayMs', delayMs, path: ctx.path }, 'PSC simulator: delaying response');
      await sleep(delayMs);
    }

    const status = faults.tokenStatus;
    if (isToken && typeof status === 'number') {
      if (!Number.isInteger(status) || status < 400 || status > 599) {
        throw new RangeError(`faults.tokenStatus: expected an HTTP error status 400-599, received ${String(status)}`);
      }
      logger.info({ fault: 'tokenStatus', status }, 'PSC simulator: failing the token request');
      ctx.status = status;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { error: errorCodeFor(status), error_description: `simulated PSC failure (HTTP ${status})` };
      return;
    }

    await next();

    const fault = faults.idToken;
    if (!isToken || fault === undefined || ctx.status !== 200) return;
    if (!ID_TOKEN_FAULTS.includes(fault)) {
      throw new RangeError(`faults.idToken: expected one of ${ID_TOKEN_FAULTS.join(', ')}, received ${String(fault)}`);
    }
    const body = ctx.body as { id_token?: unknown } | undefined;
    if (typeof body?.id_token !== 'string') return;
    body.id_token = await corruptIdToken(body.id_token, fault, signingKey);
    logger.info({ fault: 'idToken', variant: fault }, 'PSC simulator: corrupted the ID token');
  };
}
