/**
 * One PSC round trip. start(): state, nonce and PKCE verifier are stored under the state,
 * bound to the interaction uid, single use, with a TTL. complete(): takes that record back
 * (a second use finds nothing), checks the browser binding, exchanges the code with
 * openid-client (issuer, audience, nonce, expiry, signature, PKCE) and reads userinfo.
 */
import * as client from 'openid-client';
import type { Config } from '../config/index.ts';
import type { KeyNames } from '../store/key-names.ts';
import type { Store } from '../store/store.ts';
import type { PscLogin } from '../accounts/index.ts';
import { FederationError, classifyUpstreamError, upstreamDetail } from './errors.ts';
import type { PscConfigurationSource } from './psc-metadata.ts';
import { pscLoginFromClaims } from './psc-claims.ts';

/** What is kept in the store between start() and complete(). */
interface PscStateRecord {
  uid: string;
  nonce: string;
  verifier: string;
  createdAt: number;
}

export interface PscLoginResult {
  uid: string;
  login: PscLogin;
  /** What PSC said, for the audit and the assurance policy. */
  upstream: { acr: string | null; authMode: string | null };
}

export interface PscFederation {
  /**
   * Prepares a round trip for interaction `uid`; returns the PSC URL and the state to bind
   * to the browser. `reauthenticate` forwards the relying party's demand for a fresh
   * authentication (prompt=login, max_age) to PSC, so that a PSC session is not reused.
   */
  start(uid: string, options?: { reauthenticate?: boolean }): Promise<{ url: URL; state: string }>;
  /** Finishes the round trip from the callback URL and the state bound to this browser (cookie). */
  complete(callbackUrl: URL, boundState: string | undefined): Promise<PscLoginResult>;
}

const STATE_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

export function createPscFederation(deps: {
  psc: Config['psc'];
  redirectUri: string;
  store: Store;
  keyNames: KeyNames;
  source: PscConfigurationSource;
}): PscFederation {
  const { psc, redirectUri, store, keyNames, source } = deps;

  return {
    async start(uid, options = {}) {
      const config = await source.get();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const verifier = client.randomPKCECodeVerifier();
      const record: PscStateRecord = { uid, nonce, verifier, createdAt: Date.now() };
      await store.set(keyNames.pscState(state), JSON.stringify(record), psc.stateTtlSeconds);
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: psc.scope,
        acr_values: psc.acrValues,
        state,
        nonce,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        ...(options.reauthenticate ? { prompt: 'login' } : {}),
      });
      return { url, state };
    },

    async complete(callbackUrl, boundState) {
      const state = callbackUrl.searchParams.get('state');
      if (!state || !STATE_PATTERN.test(state)) throw new FederationError('invalid-state', 'the callback has no usable state');
      const raw = await store.take(keyNames.pscState(state));
      if (!raw) throw new FederationError('invalid-state', 'unknown, expired or already used state');
      const record = JSON.parse(raw) as PscStateRecord;
      if (boundState !== state) throw new FederationError('invalid-state', 'the state is not bound to this browser', { uid: record.uid });

      const upstreamError = callbackUrl.searchParams.get('error');
      if (upstreamError) {
        const failure =
          upstreamError === 'access_denied'
            ? 'refused'
            : upstreamError === 'temporarily_unavailable' || upstreamError === 'server_error'
              ? 'unavailable'
              : 'invalid-response';
        throw new FederationError(failure, `PSC returned error=${upstreamError.slice(0, 64)}`, { uid: record.uid });
      }

      try {
        const config = await source.get();
        const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: record.verifier,
          expectedNonce: record.nonce,
          expectedState: state,
          idTokenExpected: true,
        });
        const idToken = tokens.claims()!;
        const userinfo = await client.fetchUserInfo(config, tokens.access_token, idToken.sub);
        const { login, authMode, acr } = pscLoginFromClaims(idToken, userinfo);
        return { uid: record.uid, login, upstream: { acr, authMode } };
      } catch (err) {
        if (err instanceof FederationError) throw new FederationError(err.failure, err.message, { uid: record.uid, cause: err.cause });
        throw new FederationError(classifyUpstreamError(err), upstreamDetail(err), { uid: record.uid, cause: err });
      }
    },
  };
}
