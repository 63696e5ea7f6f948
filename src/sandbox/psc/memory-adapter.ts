/**
 * oidc-provider storage adapter for the simulator: one Map per simulator instance, entries
 * dropped when they expire. Replaces oidc-provider's built-in development adapter, whose
 * 1000-entry LRU would evict live codes and sessions under load tests. Like oidc-provider's
 * own adapters, only tokens die with their grant (revokeByGrantId): an Interaction also
 * carries a grantId, and must outlive the revocation that a logout in the middle of it does
 * (another practitioner signing in on a browser with a PSC session).
 */

/** Models whose records die with their grant (oidc-provider's MemoryAdapter: `grantable`). */
const GRANTABLE_MODELS: ReadonlySet<string> = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

interface Entry {
  payload: Record<string, unknown>;
  /** Epoch ms, or Infinity. */
  expiresAt: number;
}

/** Shared by every model's adapter of one Provider. */
export class MemoryStore {
  readonly entries = new Map<string, Entry>();
  /** Session uid -> session id. */
  readonly sessionUids = new Map<string, string>();
  /** Grant id -> keys of the tokens issued under it. */
  readonly grants = new Map<string, Set<string>>();
  #writes = 0;

  get(key: string): Record<string, unknown> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  set(key: string, payload: Record<string, unknown>, expiresInSeconds: number | undefined): void {
    this.entries.set(key, { payload, expiresAt: expiresInSeconds === undefined ? Infinity : Date.now() + expiresInSeconds * 1000 });
    if (++this.#writes % 500 === 0) this.sweep();
  }

  /** Drops expired entries (every 500 writes). */
  sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    for (const [uid, id] of this.sessionUids) if (!this.entries.has(`Session:${id}`)) this.sessionUids.delete(uid);
    for (const [grantId, keys] of this.grants) {
      for (const key of keys) if (!this.entries.has(key)) keys.delete(key);
      if (keys.size === 0) this.grants.delete(grantId);
    }
  }
}

/** Builds oidc-provider's `adapter` factory over one store. */
export function memoryAdapterFactory(store: MemoryStore) {
  return (model: string) => new MemoryAdapter(model, store);
}

class MemoryAdapter {
  readonly model: string;
  readonly store: MemoryStore;

  constructor(model: string, store: MemoryStore) {
    this.model = model;
    this.store = store;
  }

  key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void> {
    const key = this.key(id);
    this.store.set(key, payload, expiresIn);
    if (this.model === 'Session' && typeof payload.uid === 'string') this.store.sessionUids.set(payload.uid, id);
    if (GRANTABLE_MODELS.has(this.model) && typeof payload.grantId === 'string') {
      const keys = this.store.grants.get(payload.grantId) ?? new Set<string>();
      keys.add(key);
      this.store.grants.set(payload.grantId, keys);
    }
  }

  async find(id: string): Promise<Record<string, unknown> | undefined> {
    return this.store.get(this.key(id));
  }

  async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
    const id = this.store.sessionUids.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(): Promise<undefined> {
    return undefined; // device flow is not enabled
  }

  async consume(id: string): Promise<void> {
    const payload = this.store.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    const payload = this.store.get(this.key(id));
    if (payload && this.model === 'Session' && typeof payload.uid === 'string') this.store.sessionUids.delete(payload.uid);
    this.store.entries.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of this.store.grants.get(grantId) ?? []) this.store.entries.delete(key);
    this.store.grants.delete(grantId);
  }
}
