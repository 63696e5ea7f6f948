/**
 * oidc-provider Adapter for every model, over the Store only (so Redis and memory share it):
 * records with a TTL (JSON text, and a use mark beside those consumed: adapter-record.ts),
 * plus the indexes oidc-provider needs (grant -> its tokens: grant-token-index.ts; session uid
 * -> id, a part of the session's record: session-record.ts; user code -> id), each upsert
 * written in one batch. A code or refresh token consumed at the token endpoint is spent once the
 * request answers, the tokens it bought saved together right before, and a spent refresh token
 * shrinks (token-consumption.ts).
 *
 * An Interaction is read once per HTTP request (store/request-scope.ts): the gateway reads it to
 * serve a step, then oidc-provider reads it again to store the step's result. Its writes in the
 * request (save, destroy) drop that copy. Other models are read from the store every time.
 *
 * A session's id for its uid (findByUid: every token exchange, refresh, userinfo and
 * introspection of a token bound to its session) is remembered by the process that saved or
 * found the session, so that the session's record is read for it once per session and process.
 * Only the pointer is kept: the Session is read from the store every time and taken only when it
 * still has that uid, else the session's record is read again, so that a session regenerated or
 * ended by any instance is seen at once.
 *
 * A token bound to its session, once read, has its session and its grant read right away, both
 * together, for the request to take (request-read-ahead.ts): oidc-provider reads them next, one
 * after the other.
 */
import {
  decodeLegacyPayload,
  decodeUse,
  decodeWholeRecord,
  encodeUse,
  encodeWholeRecord,
  recordTtl,
  USED_MARK_MARGIN_SECONDS,
  WHOLE_MODELS,
  withUse,
} from './adapter-record.ts';
import type { Adapter, AdapterFactory, AdapterPayload } from './adapter-types.ts';
import { setBounded } from './bounded-map.ts';
import { withStoredDefaults } from './record-defaults.ts';
import { createGrantTokenIndex, GRANTABLE_MODELS, type GrantTokenIndex, type IndexExpiry } from './grant-token-index.ts';
import type { KeyNames } from './key-names.ts';
import type { Store, StoreBatch } from './store.ts';
import { addToSessionSave, forgetForRequest, readOncePerRequest } from './request-scope.ts';
import { dropReadAhead, readAhead, takeReadAhead } from './request-read-ahead.ts';
import { writeWhileAnswerable } from './answerable-write.ts';
import { SESSION_ID_PART } from './session-record.ts';
import { textPart } from './text-parts.ts';
import {
  boughtTokensBatch,
  ConsumedMeanwhileError,
  consumeFields,
  isCutConsumption,
  PENDING_MARK,
  PROVISIONAL_MODELS,
  rememberRefreshTokenRead,
  ROTATED_MODEL,
  settledUse,
  spendWhenAnswered,
  type PendingConsumption,
} from './token-consumption.ts';

export type { Adapter, AdapterFactory, AdapterPayload } from './adapter-types.ts';
export { GRANTABLE_MODELS } from './grant-token-index.ts';

/** How many consumable records' expiries an adapter keeps (see createAdapter). */
const KNOWN_EXPIRIES_MAX = 10_000;

/** How many session ids, by uid, a factory's Session adapter keeps (findByUid; about 150 B each). */
const KNOWN_SESSIONS_MAX = 10_000;

export interface AdapterOptions {
  /** Epoch ms (tests): dates consumptions, pending ones included (token-consumption.ts). */
  clock?: () => number;
  /**
   * The longest lifetime a token of a grant is saved with (seconds; the configuration's longest
   * token TTL). Known, a grant's token index is kept that long from its last write with one
   * EXPIRE: it then outlives every token it lists. A token saved for longer raises it (this
   * process, from then on). Unknown, the index's expiry is only ever lengthened to each
   * token's: EXPIRE NX then EXPIRE GT.
   */
  longestTokenSeconds?: number;
  /**
   * Until when (epoch ms, this adapter's clock) a record saved whole that is not found as JSON
   * text is looked for in the hash layout of the releases before it, and moved (legacy-records.ts
   * decides it). Default: never, one read per miss.
   */
  legacyRecordsUntil?: number;
  /** The same for a record oidc-provider consumes (a code, a refresh token): its own window, decided when its layout came. */
  legacyConsumablesUntil?: number;
  /**
   * Until when (epoch ms) a token is also listed in its grant's set of the releases before the
   * grant token index (grant-token-index.ts; legacy-records.ts decides it). Default: never.
   */
  legacyGrantSetsUntil?: number;
  /**
   * Until when (epoch ms) a record's text keeps its `jti`, for the instances of a release before
   * the eleventh round, which do not read a record without it (record-defaults.ts;
   * legacy-records.ts decides it). Default: never, the jti is left out.
   */
  recordIdsKeptUntil?: number;
  /**
   * Until when (epoch ms) a token is listed in its grant's index under its model's name, as the
   * releases before the thirteenth round read it, rather than in two letters (grant-token-index.ts;
   * legacy-records.ts decides it). Default: never.
   */
  longTokenFieldsUntil?: number;
  /**
   * Until when (epoch ms) a code's or token's default claims are stored as they are, for the
   * releases before the thirteenth round, which would read them stored as `1` as no claims
   * (record-defaults.ts; legacy-records.ts decides it). Default: never, they are stored as `1`.
   */
  defaultClaimsKeptUntil?: number;
  /**
   * Until when (epoch ms) a Session's id is written to the uid index of the releases before the
   * fourteenth round, which read it only there, rather than into the session's record
   * (session-record.ts; legacy-records.ts decides it). Default: never. Both are read at any time.
   */
  sessionUidIndexUntil?: number;
}

/** Pass the result as oidc-provider's `adapter` configuration option. */
export function createAdapterFactory(store: Store, keyNames: KeyNames, options: AdapterOptions = {}): AdapterFactory {
  const clock = options.clock ?? Date.now;
  const settings: AdapterSettings = {
    clock,
    longestToken: { seconds: options.longestTokenSeconds },
    legacyRecordsUntil: options.legacyRecordsUntil ?? 0,
    legacyConsumablesUntil: options.legacyConsumablesUntil ?? 0,
    recordIdsKeptUntil: options.recordIdsKeptUntil ?? 0,
    defaultClaimsKeptUntil: options.defaultClaimsKeptUntil ?? 0,
    sessionUidIndexUntil: options.sessionUidIndexUntil ?? 0,
    grantTokens: createGrantTokenIndex(store, keyNames, {
      legacySetsUntil: options.legacyGrantSetsUntil ?? 0,
      longFieldsUntil: options.longTokenFieldsUntil ?? 0,
      clock,
    }),
    sessionIds: new Map(),
  };
  return (modelName) => createAdapter(modelName, store, keyNames, settings);
}

/** What every model's adapter of one factory shares; the longest token lifetime can only grow. */
interface AdapterSettings {
  clock: () => number;
  longestToken: { seconds: number | undefined };
  legacyRecordsUntil: number;
  legacyConsumablesUntil: number;
  recordIdsKeptUntil: number;
  defaultClaimsKeptUntil: number;
  sessionUidIndexUntil: number;
  grantTokens: GrantTokenIndex;
  /** Session id by uid, as this process last saved or found it (findByUid); bounded, checked against the record at each use. */
  sessionIds: Map<string, string>;
}

function createAdapter(model: string, store: Store, keyNames: KeyNames, settings: AdapterSettings): Adapter {
  const { clock, longestToken, grantTokens, sessionIds } = settings;
  /** Never consumed: no use mark beside the record (adapter-record.ts). */
  const whole = WHOLE_MODELS.has(model);
  const legacyRecordsUntil = whole ? settings.legacyRecordsUntil : settings.legacyConsumablesUntil;
  const recordKey = (id: string) => keyNames.modelJson(model, id);
  /**
   * A record's stored text: without its jti (its key names it) and a token's default claims, each
   * once no release that needs them may read it (AdapterOptions.recordIdsKeptUntil, defaultClaimsKeptUntil).
   */
  const encode = (id: string, payload: AdapterPayload) => {
    const now = clock();
    return encodeWholeRecord(model, payload, {
      keyId: now < settings.recordIdsKeptUntil ? undefined : id,
      keepDefaultClaims: now < settings.defaultClaimsKeptUntil,
    });
  };
  /** When a consumable record was consumed (adapter-record.ts). */
  const usedKey = (id: string) => keyNames.modelUsed(model, id);
  /** Where a record was kept before the JSON layout (a hash): read, moved, deleted with it. */
  const legacyKey = (id: string) => keyNames.model(model, id);
  /**
   * When (epoch ms) the consumable records this process saved or read expire, so that consume()
   * gives the use mark its lifetime without asking Redis (oidc-provider finds a record before it
   * consumes it). Bounded: the oldest go first; one not known costs a TTL read.
   */
  const expiries = new Map<string, number>();
  const knowExpiry = (id: string, at: number | undefined) => {
    if (!whole && at !== undefined && Number.isFinite(at)) setBounded(expiries, id, at, KNOWN_EXPIRIES_MAX);
  };
  const grantable = GRANTABLE_MODELS.has(model);
  /** Whether a Session's id goes to the uid index of the releases before (AdapterOptions.sessionUidIndexUntil) rather than into its record. */
  const sessionUidIndexed = () => model === 'Session' && clock() < settings.sessionUidIndexUntil;
  /**
   * Whether records of this model are listed in an index that destroy() must clean (see upsert).
   * Not a Session's record, which keeps its id until it ends or the id is written anew: the id,
   * like any index, is checked against the record it names (findSessionByUid).
   */
  const indexed = () => grantable || model === 'DeviceCode' || sessionUidIndexed();
  /**
   * Read once per request. An Interaction changes only through the steps of its own sign-in,
   * and each step replaces its result whole (interactionResult): a copy read earlier in the
   * request leads to the same save as a second read would.
   */
  const oncePerRequest = model === 'Interaction';
  const read = (id: string) => {
    const key = recordKey(id);
    return oncePerRequest ? readOncePerRequest(key, () => readRecord(id)) : readRecord(id);
  };
  /** Runs a write of `key`, then drops what this request read of it (whether or not it succeeded). */
  async function writing(key: string, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } finally {
      if (oncePerRequest) forgetForRequest(key);
    }
  }

  /**
   * How a token of `ttl` seconds is listed in its grant's index: with the longest token lifetime
   * known, the index lives that long from its last write (one EXPIRE), a longer token raising it;
   * otherwise its expiry is only ever lengthened to each token's.
   */
  const indexExpiry = (ttl: number | undefined): IndexExpiry =>
    longestToken.seconds === undefined || ttl === undefined
      ? { ttlSeconds: ttl, expiry: 'extend' }
      : { ttlSeconds: (longestToken.seconds = Math.max(longestToken.seconds, ttl)), expiry: 'restart' };

  /** The record of `id` when its `field` is `value`: an index, or an id remembered, may be stale. */
  const recordWith = async (id: string, field: 'uid' | 'userCode', value: string) => {
    const payload = await adapter.find(id);
    return payload?.[field] === value ? payload : undefined;
  };
  /**
   * The session of a uid: through the id this process knows for it while its record still has
   * that uid, else the id in the session's record, else the one in the uid index of the releases
   * before (both in one read: they share the uid's slot), each checked against the record.
   */
  const findSessionByUid = async (uid: string) => {
    const known = sessionIds.get(uid);
    if (known !== undefined) {
      const payload = await recordWith(known, 'uid', uid);
      if (payload) return payload;
      sessionIds.delete(uid);
    }
    const [recordText = null, legacyIndexId = null] = await store.mget([keyNames.sessionRecord(uid), keyNames.sessionUid(uid)]);
    for (const id of new Set([textPart(recordText, SESSION_ID_PART), legacyIndexId ?? ''])) {
      if (id === '' || id === known) continue;
      const payload = await recordWith(id, 'uid', uid);
      if (!payload) continue;
      setBounded(sessionIds, uid, id, KNOWN_SESSIONS_MAX);
      return payload;
    }
    return undefined;
  };

  const adapter: Adapter = {
    async upsert(id, payload, expiresIn) {
      const key = recordKey(id);
      dropReadAhead(key);
      const ttl = recordTtl(expiresIn);
      // A token that a code or refresh token consumed in this request buys: saved with the other one, as the request answers.
      const held = boughtTokensBatch(model, () => store.batch());
      const batch = held?.batch ?? store.batch();
      // Indexes first, the record last: in Cluster (one script call per slot) a partial failure
      // leaves at worst an index to a missing record, never a token its grant does not list.
      if (grantable && typeof payload.grantId === 'string') grantTokens.list(batch, payload.grantId, model, id, indexExpiry(ttl));
      // A Session saved without a lifetime (oidc-provider always gives one) keeps its id in the uid index, which has none either.
      if (model === 'Session' && typeof payload.uid === 'string') {
        // What the request saves beside the session (its assurance: a part of the same key, so one read and one write of it).
        addToSessionSave(payload.uid, batch);
        if (sessionUidIndexed() || ttl === undefined) batch.set(keyNames.sessionUid(payload.uid), id, ttl);
        else batch.setPart(keyNames.sessionRecord(payload.uid), SESSION_ID_PART, id, ttl);
      }
      if (model === 'DeviceCode' && typeof payload.userCode === 'string') batch.set(keyNames.userCode(payload.userCode), id, ttl);
      // The record is replaced; a use mark beside it is kept (a consumed record stays consumed).
      batch.set(key, encode(id, payload), ttl);
      const expiresAt = ttl === undefined ? Infinity : clock() + ttl * 1000;
      if (held) {
        held.whenSaved(() => knowExpiry(id, expiresAt));
        return;
      }
      await writing(key, () => batch.exec());
      knowExpiry(id, expiresAt);
      if (model === 'Session' && typeof payload.uid === 'string') setBounded(sessionIds, payload.uid, id, KNOWN_SESSIONS_MAX);
    },

    find: (id) => read(id),

    findByUid: (uid) => findSessionByUid(uid),

    async findByUserCode(userCode) {
      const id = await store.get(keyNames.userCode(userCode));
      return id === null ? undefined : recordWith(id, 'userCode', userCode);
    },

    async consume(id) {
      const key = recordKey(id);
      if (whole)
        throw new Error(
          `oidc adapter: expected consume() only for models oidc-provider consumes, got it for ${model} ${id}, which it saves whole (adapter-record.ts WHOLE_MODELS)`,
        );
      await writing(key, async () => {
        const now = clock();
        const expiresAt = expiries.get(id) ?? (await expiryInStore(id, now));
        if (expiresAt === undefined) return; // gone: nothing to mark
        // As long as the record lives and a margin more, so that it is never seen unconsumed
        // (a spent refresh token that will say it in the record: while its request runs, token-consumption.ts).
        const lifetime = expiresAt === Infinity ? undefined : Math.max(1, Math.ceil((expiresAt - now) / 1000)) + USED_MARK_MARGIN_SECONDS;
        const { mark, ttl, pending } = consumeFields(model, { used: usedKey(id), record: key }, now, lifetime, (payload) => encode(id, payload));
        // Claimed, not just written: two requests that both read it unconsumed (a double submit, or a
        // stolen code or token raced against the application) would otherwise both buy tokens.
        if (!(await store.setIfAbsent(usedKey(id), mark, ttl))) await claimCutConsumption(id, mark, ttl, now);
        if (pending) {
          const claimAnsweredAt = performance.now();
          spendWhenAnswered((bought) => spend(pending, claimAnsweredAt, bought));
        }
      });
    },

    async destroy(id) {
      const key = recordKey(id);
      dropReadAhead(key);
      const keys = whole ? [key, legacyKey(id)] : [key, usedKey(id), legacyKey(id)];
      // A record without an index (an Interaction, a Grant, ...) is just deleted: one DEL, no read.
      if (!indexed()) {
        await writing(key, async () => {
          await store.del(...keys);
        });
        return;
      }
      const payload = await readQuietly(id);
      const batch = store.batch().del(...keys);
      if (payload) {
        // Another record may own the index by now (a regenerated Session keeps its uid).
        if (model === 'Session' && typeof payload.uid === 'string') {
          const indexKey = keyNames.sessionUid(payload.uid);
          if ((await store.get(indexKey)) === id) batch.del(indexKey);
          if (sessionIds.get(payload.uid) === id) sessionIds.delete(payload.uid);
        }
        if (model === 'DeviceCode' && typeof payload.userCode === 'string') {
          const indexKey = keyNames.userCode(payload.userCode);
          if ((await store.get(indexKey)) === id) batch.del(indexKey);
        }
        if (grantable && typeof payload.grantId === 'string') grantTokens.unlist(batch, payload.grantId, model, id);
      }
      await writing(key, () => batch.exec());
    },

    async revokeByGrantId(grantId) {
      // Tokens first, the indexes last (keysToRevoke's order): if a Cluster group fails, the indexes survive for a retry.
      await store
        .batch()
        .del(...(await grantTokens.keysToRevoke(grantId)))
        .exec();
    },
  };

  /** The payload as find() gives it: the stored one, with its key's id as `jti` when it has none (record-defaults.ts). */
  async function readRecord(id: string): Promise<AdapterPayload | undefined> {
    const payload = await readStored(id);
    if (payload) readBindingsAhead(payload);
    return payload && withStoredDefaults(model, id, payload);
  }

  /**
   * A token bound to its session (a code, an access or refresh token): oidc-provider reads its
   * session next (is the token still that session's?), then its grant, each once the read before
   * has answered. Both are read now, together — one round trip instead of two — for this request
   * to take (request-read-ahead.ts): when this process knows the session's id (findSessionByUid
   * still checks the record's uid), and the token is one the provider goes on with (not spent,
   * not expired).
   */
  function readBindingsAhead(payload: AdapterPayload): void {
    const { expiresWithSession, sessionUid, grantId, consumed, exp } = payload;
    if (expiresWithSession !== true || typeof sessionUid !== 'string' || typeof grantId !== 'string' || consumed !== undefined) return;
    if (typeof exp === 'number' && exp * 1000 <= clock()) return;
    const sessionId = sessionIds.get(sessionUid);
    if (sessionId === undefined) return;
    for (const key of [keyNames.modelJson('Session', sessionId), keyNames.modelJson('Grant', grantId)]) readAhead(key, () => store.get(key));
  }

  /** The stored payload, in either layout; a consumed record with `consumed`, as its pending consumption stands (token-consumption.ts). */
  async function readStored(id: string): Promise<AdapterPayload | undefined> {
    const key = recordKey(id);
    if (whole) {
      const text = await (takeReadAhead(key) ?? store.get(key));
      if (text !== null) return decodeWholeRecord(key, text);
      return clock() < legacyRecordsUntil ? moveLegacyRecord(id) : undefined;
    }
    // The record and its use mark in one read (one slot): never one without the other's state.
    const [text = null, used = null] = await store.mget([key, usedKey(id)]);
    if (text === null) return clock() < legacyRecordsUntil ? moveLegacyRecord(id) : undefined;
    const payload = consumableRecord(id, text, used);
    if (model === ROTATED_MODEL && payload.consumed === undefined) rememberRefreshTokenRead(key, payload);
    return payload;
  }

  /**
   * Spends what a request consumed, as it answers (token-consumption.ts): the use mark, still
   * this request's pending mark and written recently enough that the request may still answer
   * (writeWhileAnswerable), loses its pending mark — one write, keeping its TTL. With a refresh token's
   * spent record known, the same write first replaces the token's record (keeping its expiry):
   * the record says the token is spent, and the mark, written to live only while the request
   * may run, goes by itself. Otherwise (a code; a refresh token read by another request) the
   * mark stays as long as the record, as before. Too late, or the mark no longer this request's
   * (the record revoked meanwhile; taken over as cut by a retry, when this request outlasted
   * CONSUMPTION_SETTLES_MS), nothing is spent and the request answers the outage: no tokens.
   * With `bought`, the batch of the tokens the consumption bought, the spend is its condition and
   * goes with it: one call, and on one Redis node no token saved unless the spend is.
   */
  async function spend({ key, mark, ttl, consumed, spent }: PendingConsumption, claimAnsweredAt: number, bought?: StoreBatch): Promise<void> {
    const claim = { key, value: mark, ttlSeconds: ttl, answeredAt: claimAnsweredAt, name: 'the consumption' };
    const write = { value: encodeUse({ consumed }), also: spent && { key: spent.key, value: spent.text }, what: 'the spend' };
    await writeWhileAnswerable(store, claim, write, bought);
  }

  /**
   * consume() found a use mark already there: claimable only when it is gone meanwhile, or is the
   * pending mark of a request that was cut (isCutConsumption, which find() served as not
   * consumed) on a record not spent inline — taken over by compare-and-set, so that of two
   * requests claiming it one only wins. Otherwise another request consumed it:
   * ConsumedMeanwhileError, naming the record's grant and account for the audit trail.
   */
  async function claimCutConsumption(id: string, mark: string, ttl: number | undefined, now: number): Promise<void> {
    const [text = null, current = null] = await store.mget([recordKey(id), usedKey(id)]);
    const record = text === null ? undefined : decodeWholeRecord(recordKey(id), text);
    const claimed =
      current === null
        ? await store.setIfAbsent(usedKey(id), mark, ttl)
        : PROVISIONAL_MODELS.has(model) &&
          isCutConsumption(decodeUse(usedKey(id), current), now) &&
          record?.consumed === undefined &&
          (await store.setIfEquals(usedKey(id), current, mark, ttl));
    if (!claimed) throw new ConsumedMeanwhileError(usedKey(id), record);
  }

  /**
   * A consumable record's payload with its use mark's text (null: none) applied; its expiry
   * remembered for consume(). A record consumed inline (a spent refresh token: token-consumption.ts)
   * is spent whatever a mark left beside it says.
   */
  function consumableRecord(id: string, text: string, used: string | null): AdapterPayload {
    const key = recordKey(id);
    const payload = decodeWholeRecord(key, text);
    if (typeof payload.exp === 'number') knowExpiry(id, payload.exp * 1000);
    if (used === null || payload.consumed !== undefined) return payload;
    const use = decodeUse(usedKey(id), used);
    return withUse(payload, PROVISIONAL_MODELS.has(model) ? settledUse(key, use, clock()) : use);
  }

  /** When the record expires, from Redis (epoch ms; Infinity: never); undefined when it is gone. */
  async function expiryInStore(id: string, now: number): Promise<number | undefined> {
    const ttl = await store.ttl(recordKey(id));
    if (ttl === -2) return undefined;
    return ttl === -1 ? Infinity : now + ttl * 1000;
  }

  /**
   * A record still in its hash from before the JSON layout: written anew as JSON text with the
   * TTL it had left (a consumed one's use mark first, so that it is never seen unconsumed), and
   * the hash deleted, so that it is read and rewritten in one layout from now on (and an instance
   * of the previous version, during a rolling upgrade, finds it gone rather than stale). Costs one
   * read on a miss while the old layout is looked for (AdapterOptions.legacyRecordsUntil,
   * legacyConsumablesUntil); two or three round trips more, once per record.
   */
  async function moveLegacyRecord(id: string): Promise<AdapterPayload | undefined> {
    const [key, legacy] = [recordKey(id), legacyKey(id)];
    const hash = await store.hgetall(legacy);
    if (!hash) return undefined;
    const payload = decodeLegacyPayload(legacy, hash);
    const use = !whole && hash.consumed !== undefined ? decodeUse(legacy, [hash.consumed, hash[PENDING_MARK]].filter(Boolean).join(' ')) : undefined;
    const ttl = await store.ttl(legacy);
    if (ttl === -2) return undefined; // expired or deleted meanwhile
    const lifetime = ttl > 0 ? ttl : undefined;
    // Listed in its grant under the new key too, before it exists there: a grant revoked by an
    // instance of the previous release (rolling upgrade, rollback) then deletes this copy.
    if (grantable && typeof payload.grantId === 'string') {
      const batch = store.batch();
      grantTokens.list(batch, payload.grantId, model, id, indexExpiry(lifetime));
      await batch.exec();
    }
    if (use) await store.set(usedKey(id), encodeUse(use), lifetime === undefined ? undefined : lifetime + USED_MARK_MARGIN_SECONDS);
    // NX: a save of this record by another request meanwhile is newer than the old hash.
    const moved = await store.setIfAbsent(key, encode(id, payload), lifetime);
    await store.del(legacy);
    if (whole) {
      if (moved) return payload;
      const text = await store.get(key);
      return text === null ? undefined : decodeWholeRecord(key, text);
    }
    const [text = null, used = null] = moved ? [encode(id, payload), use ? encodeUse(use) : null] : await store.mget([key, usedKey(id)]);
    return text === null ? undefined : consumableRecord(id, text, used);
  }

  /** The payload for clean-up, in either layout, not moved; a damaged record is still deleted, just without its indexes. */
  async function readQuietly(id: string): Promise<AdapterPayload | undefined> {
    try {
      const text = await store.get(recordKey(id));
      if (text !== null) return decodeWholeRecord(recordKey(id), text);
      if (clock() >= legacyRecordsUntil) return undefined;
      const hash = await store.hgetall(legacyKey(id));
      return hash ? decodeLegacyPayload(legacyKey(id), hash) : undefined;
    } catch {
      return undefined;
    }
  }

  return adapter;
}
