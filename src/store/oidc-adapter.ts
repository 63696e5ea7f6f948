/**
 * oidc-provider Adapter for every model, over the Store only (so Redis and memory share it):
 * records are hashes with a TTL, plus the indexes oidc-provider needs (grant -> token keys,
 * session uid -> id, user code -> id), each upsert written in one batch. A refresh token's
 * rotation counts once its access token is saved (refresh-rotation.ts).
 *
 * An Interaction is read once per HTTP request (store/request-scope.ts): the gateway reads it to
 * serve a step, then oidc-provider reads it again to store the step's result. Its writes in the
 * request (save, destroy) drop that copy. Other models are read from the store every time.
 */
import { decodeRecord, encodeRecord, recordTtl } from './adapter-record.ts';
import type { Adapter, AdapterFactory, AdapterPayload } from './adapter-types.ts';
import type { KeyNames } from './key-names.ts';
import type { Store } from './store.ts';
import { forgetForRequest, readOncePerRequest } from './request-scope.ts';
import { consumeFields, ROTATION_MARK, rotationToFinish, ROTATED_MODEL, settledRotation } from './refresh-rotation.ts';

export type { Adapter, AdapterFactory, AdapterPayload } from './adapter-types.ts';

/** Models whose records carry a grantId and die with their grant (revokeByGrantId). */
export const GRANTABLE_MODELS: ReadonlySet<string> = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

export interface AdapterOptions {
  /** Epoch ms (tests): dates consumptions and refresh token rotations (refresh-rotation.ts). */
  clock?: () => number;
  /**
   * The longest lifetime a token of a grant is saved with (seconds; the configuration's longest
   * token TTL). Known, a grant's token index is kept that long from its last write with one
   * EXPIRE: it then outlives every token it lists. A token saved for longer raises it (this
   * process, from then on). Unknown, the index's expiry is only ever lengthened to each
   * token's: EXPIRE NX then EXPIRE GT.
   */
  longestTokenSeconds?: number;
}

/** Pass the result as oidc-provider's `adapter` configuration option. */
export function createAdapterFactory(store: Store, keyNames: KeyNames, options: AdapterOptions = {}): AdapterFactory {
  const settings: AdapterSettings = { clock: options.clock ?? Date.now, longestToken: { seconds: options.longestTokenSeconds } };
  return (modelName) => createAdapter(modelName, store, keyNames, settings);
}

/** What every model's adapter of one factory shares; the longest token lifetime can only grow. */
interface AdapterSettings {
  clock: () => number;
  longestToken: { seconds: number | undefined };
}

function createAdapter(model: string, store: Store, keyNames: KeyNames, { clock, longestToken }: AdapterSettings): Adapter {
  const recordKey = (id: string) => keyNames.model(model, id);
  const grantable = GRANTABLE_MODELS.has(model);
  /** Whether records of this model are listed in an index that destroy() must clean (see upsert). */
  const indexed = grantable || model === 'Session' || model === 'DeviceCode';
  /**
   * Read once per request. An Interaction changes only through the steps of its own sign-in,
   * and each step replaces its result whole (interactionResult): a copy read earlier in the
   * request leads to the same save as a second read would.
   */
  const oncePerRequest = model === 'Interaction';
  const readHash = (key: string) => (oncePerRequest ? readOncePerRequest(key, () => store.hgetall(key)) : store.hgetall(key));
  /** Runs a write of `key`, then drops what this request read of it (whether or not it succeeded). */
  async function writing(key: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } finally {
      if (oncePerRequest) forgetForRequest(key);
    }
  }

  /** Index key -> record id lookups, checked against the record (an index may be stale). */
  const findBy = async (indexKey: string, field: 'uid' | 'userCode', value: string) => {
    const id = await store.get(indexKey);
    if (id === null) return undefined;
    const payload = await adapter.find(id);
    return payload?.[field] === value ? payload : undefined;
  };

  const adapter: Adapter = {
    async upsert(id, payload, expiresIn) {
      const key = recordKey(id);
      const ttl = recordTtl(expiresIn);
      const batch = store.batch();
      // Indexes first, the record last: in Cluster (one script call per slot) a partial failure
      // leaves at worst an index to a missing record, never a token its grant does not list.
      if (grantable && typeof payload.grantId === 'string') {
        const index = keyNames.grantTokens(payload.grantId);
        if (longestToken.seconds === undefined || ttl === undefined) batch.sadd(index, [key], ttl);
        else batch.sadd(index, [key], (longestToken.seconds = Math.max(longestToken.seconds, ttl)), 'restart');
      }
      if (model === 'Session' && typeof payload.uid === 'string') batch.set(keyNames.sessionUid(payload.uid), id, ttl);
      if (model === 'DeviceCode' && typeof payload.userCode === 'string') batch.set(keyNames.userCode(payload.userCode), id, ttl);
      // The record's one other field is `consumed`: kept on a rewrite (a consumed record stays
      // consumed), so no DEL first. oidc-provider writes a token once; Sessions, Grants and
      // Interactions are rewritten, and are never consumed.
      batch.hset(key, encodeRecord(payload), ttl);
      await writing(key, () => batch.exec());
      // The access token of a refresh is saved: the rotation is done, the old token spent.
      const rotated = rotationToFinish(model);
      if (rotated) await store.hdel(rotated, [ROTATION_MARK]);
    },

    async find(id) {
      const key = recordKey(id);
      const hash = await readHash(key);
      if (!hash) return undefined;
      return decodeRecord(key, model === ROTATED_MODEL ? settledRotation(key, hash, clock()) : hash);
    },

    findByUid: (uid) => findBy(keyNames.sessionUid(uid), 'uid', uid),

    findByUserCode: (userCode) => findBy(keyNames.userCode(userCode), 'userCode', userCode),

    async consume(id) {
      const key = recordKey(id);
      await writing(key, async () => {
        await store.hsetIfExists(key, consumeFields(model, key, clock()));
      });
    },

    async destroy(id) {
      const key = recordKey(id);
      // A record without an index (an Interaction, a Grant, ...) is just deleted: one DEL, no read.
      if (!indexed) {
        await writing(key, async () => {
          await store.del(key);
        });
        return;
      }
      const payload = await readQuietly(key);
      const batch = store.batch().del(key);
      if (payload) {
        // Another record may own the index by now (a regenerated Session keeps its uid).
        if (model === 'Session' && typeof payload.uid === 'string') {
          const indexKey = keyNames.sessionUid(payload.uid);
          if ((await store.get(indexKey)) === id) batch.del(indexKey);
        }
        if (model === 'DeviceCode' && typeof payload.userCode === 'string') {
          const indexKey = keyNames.userCode(payload.userCode);
          if ((await store.get(indexKey)) === id) batch.del(indexKey);
        }
        if (grantable && typeof payload.grantId === 'string') batch.srem(keyNames.grantTokens(payload.grantId), [key]);
      }
      await writing(key, () => batch.exec());
    },

    async revokeByGrantId(grantId) {
      const setKey = keyNames.grantTokens(grantId);
      const tokenKeys = (await store.smembers(setKey)).filter((member) => member.startsWith(keyNames.prefix));
      // Tokens first, the set last: if a Cluster group fails, the set survives for a retry.
      await store
        .batch()
        .del(...tokenKeys, setKey)
        .exec();
    },
  };

  /** The payload for clean-up; a damaged record is still deleted, just without its indexes. */
  async function readQuietly(key: string): Promise<AdapterPayload | undefined> {
    const hash = await store.hgetall(key);
    if (!hash) return undefined;
    try {
      return decodeRecord(key, hash);
    } catch {
      return undefined;
    }
  }

  return adapter;
}
