/**
 * The oidc-provider Adapter contract (oidc-provider 9 ships no TypeScript types), as its
 * models call it: see node_modules/oidc-provider/lib/adapters/memory_adapter.js.
 */

/** What oidc-provider stores for a model; the fields the adapter indexes are named. */
export interface AdapterPayload {
  [field: string]: unknown;
  /** Grant the token belongs to (AccessToken, AuthorizationCode, RefreshToken, ...). */
  grantId?: string;
  /** Session uid (Session). */
  uid?: string;
  /** User code (DeviceCode). */
  userCode?: string;
  /** Epoch seconds when consumed; set by consume(), returned by find(). */
  consumed?: number;
}

export interface Adapter {
  /** Creates or replaces the record; expiresIn is its TTL in seconds (undefined = no expiry). */
  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<AdapterPayload | undefined>;
  /** DeviceCode only. */
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
  /** Session only. */
  findByUid(uid: string): Promise<AdapterPayload | undefined>;
  /** Marks the record consumed (single-use codes); no-op when absent. */
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  /** Deletes every token issued under the grant. */
  revokeByGrantId(grantId: string): Promise<void>;
}

/** What the Provider's `adapter` option accepts: called once per model name. */
export type AdapterFactory = (modelName: string) => Adapter;
