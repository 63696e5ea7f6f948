/**
 * Relying parties an administrator disabled (`npm run admin -- disable-client`): a mark in
 * the store, so every instance refuses the client within a second, without a restart.
 * A disabled client is not found: oidc-provider then answers invalid_client at /auth and
 * /token, and invalid_token for its access tokens at /me. clients.json stays the registry;
 * the mark only switches a registered client off (and `enable-client` back on).
 */
import type Provider from 'oidc-provider';
import type { Store } from '../store/store.ts';
import type { KeyNames } from '../store/key-names.ts';
import { ownCopy } from '../store/bounded-map.ts';
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

export function createDisabledClients(store: Store, keyNames: KeyNames): DisabledClients {
  const key = (clientId: string) => keyNames.clientPart(clientId, 'disabled');
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

/** How long an instance trusts what it read of a client's mark: a disable applies within this. */
export const DISABLED_MARK_CACHE_MS = 1_000;

/**
 * Makes the provider's client lookup skip disabled clients. oidc-provider finds every client
 * through `Client.find` (authorization, client authentication, access tokens' clients,
 * logout), so this one place covers every endpoint. The mark of a registered client is read
 * at most once per DISABLED_MARK_CACHE_MS per instance (userinfo and introspection are hot
 * paths: one Redis read each would be a sixth of their commands).
 */
export function refuseDisabledClients(provider: Provider, disabled: DisabledClients, clock: () => number = Date.now): void {
  const Client = provider.Client as unknown as { find(id: string): Promise<unknown> };
  const find = Client.find.bind(Client);
  // Registered clients only (a few dozen): unknown client_ids never reach the cache or Redis.
  const known = new Map<string, { disabled: boolean; until: number }>();
  async function isDisabled(id: string): Promise<boolean> {
    const cached = known.get(id);
    if (cached && cached.until > clock()) return cached.disabled;
    try {
      const isOff = (await disabled.find(id)) !== undefined;
      known.set(ownCopy(id), { disabled: isOff, until: clock() + DISABLED_MARK_CACHE_MS });
      return isOff;
    } catch (err) {
      // Redis unreachable: nothing a client can do works without it either (codes, tokens,
      // sessions), so the request goes on to its outage answer — for a sign-in, a redirect
      // to the application with temporarily_unavailable rather than a dead end.
      if (isStoreUnavailable(err)) return cached?.disabled ?? false;
      throw err;
    }
  }
  Client.find = async (id: string) => {
    const client = await find(id);
    return client && (await isDisabled(id)) ? undefined : client;
  };
}
