/**
 * Relying parties an administrator disabled (`npm run admin -- disable-client`): a mark in
 * the store, so every instance refuses the client at its next request, without a restart.
 * A disabled client is not found: oidc-provider then answers invalid_client at /auth and
 * /token, and invalid_token for its access tokens at /me. clients.json stays the registry;
 * the mark only switches a registered client off (and `enable-client` back on).
 */
import type Provider from 'oidc-provider';
import type { Store } from '../store/store.ts';
import type { Keys } from '../store/keys.ts';
import { isStoreUnavailable } from '../store/unavailable.ts';

export interface DisabledMark {
  /** Epoch ms. */
  at: number;
  /** Who ran the command (operating-system user). */
  operator: string;
  reason: string | null;
}

export interface DisabledClients {
  find(clientId: string): Promise<DisabledMark | undefined>;
  disable(clientId: string, mark: DisabledMark): Promise<void>;
  /** True when the client was disabled. */
  enable(clientId: string): Promise<boolean>;
}

export function createDisabledClients(store: Store, keys: Keys): DisabledClients {
  const key = (clientId: string) => keys.custom(`cl:${clientId}`, 'disabled');
  return {
    async find(clientId) {
      const raw = await store.get(key(clientId));
      return raw ? (JSON.parse(raw) as DisabledMark) : undefined;
    },
    async disable(clientId, mark) {
      await store.set(key(clientId), JSON.stringify(mark));
    },
    async enable(clientId) {
      return (await store.del(key(clientId))) > 0;
    },
  };
}

/**
 * Makes the provider's client lookup skip disabled clients. oidc-provider finds every client
 * through `Client.find` (authorization, client authentication, access tokens' clients,
 * logout), so this one place covers every endpoint. One store read per lookup of a
 * registered client.
 */
export function refuseDisabledClients(provider: Provider, disabled: DisabledClients): void {
  const Client = provider.Client as unknown as { find(id: string): Promise<unknown> };
  const find = Client.find.bind(Client);
  Client.find = async (id: string) => {
    const client = await find(id);
    // Registered clients only: an unknown client_id costs no store read.
    if (!client) return client;
    const mark = await disabled.find(id).catch((err: unknown) => {
      // Redis unreachable: nothing a client can do works without it either (codes, tokens,
      // sessions), so the request goes on to its outage answer — for a sign-in, a redirect
      // to the application with temporarily_unavailable rather than a dead end.
      if (isStoreUnavailable(err)) return undefined;
      throw err;
    });
    return mark ? undefined : client;
  };
}
