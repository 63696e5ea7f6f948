/**
 * PSC as a client of the establishment's identity provider (openid-client): discovery,
 * authorization code with PKCE S256, state and nonce, private_key_jwt at the token endpoint.
 */
import * as client from 'openid-client';
import type { PscDelegationOptions } from './options.ts';

export interface Upstream {
  config(): Promise<client.Configuration>;
}

export function upstream(options: PscDelegationOptions): Upstream {
  let pending: Promise<client.Configuration> | undefined;
  return {
    config() {
      const execute = options.issuer.startsWith('http://') ? [client.allowInsecureRequests] : [];
      pending ??= client
        .discovery(new URL(options.issuer), options.clientId, {}, client.PrivateKeyJwt({ key: options.key.privateKey, kid: options.key.kid }), { execute })
        .catch((err: unknown) => {
          pending = undefined;
          throw err;
        });
      return pending;
    },
  };
}
