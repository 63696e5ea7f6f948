/**
 * The index of a grant's tokens, so that revokeByGrantId (a logout, a replayed refresh token, a
 * session ended) deletes every token the grant issued: a hash under the grant's tag
 * (key-names.ts grantTokenIndex) whose fields name the tokens, `<two letters>:<id>` (FIELD_NAMES:
 * `RT:<id>` for a refresh token), with empty values. Fields that short keep the hash a listpack
 * in Redis: about 52 B per token listed, where the set of whole keys that the releases before
 * the seventh round kept (legacyGrantTokens) is a hashtable of about 129 B per token (Redis 7.0
 * keeps a set of strings as a listpack only from 7.2; `npm run bench`, "Redis left per refresh").
 *
 * The releases from the seventh to the twelfth round named the model in full (`RefreshToken:<id>`,
 * 10 to 15 characters more: a sign-in's index, code, access and refresh token, was 312 B, now
 * 280), and read only that. So revocation reads both names, and within `longFieldsUntil`
 * (legacy-records.ts decides it, as below) a token is listed under its model's name, so that an
 * instance of those releases revoking the grant then (a rolling upgrade, a rollback) deletes it.
 * After that window they no longer see the tokens this release lists; their revocations that
 * also destroy the grant still end them, since oidc-provider checks the grant at every use.
 *
 * The releases before the seventh round read and write only their set. So:
 * - revocation reads both, and deletes the tokens either lists: a token that an instance of
 *   the previous release saved during a rolling upgrade, or after a rollback, dies with its grant;
 * - within `legacySetsUntil` (legacy-records.ts decides it: from the first start of this
 *   release, the longest token lifetime and the rolling upgrade's hour), a token is also added
 *   to the set, so that an instance of the previous release revoking the grant then (a rolling
 *   upgrade, a rollback) deletes it too. After that window the previous release no longer sees
 *   the tokens this one saves; its revocations that also destroy the grant (every one but an
 *   application revoking its own access token at /token/revocation) still end them, since
 *   oidc-provider checks the grant at every use of a token.
 */
import type { KeyNames } from './key-names.ts';
import type { SetExpiry, Store, StoreBatch } from './store.ts';

/** Models whose records carry a grantId and die with their grant (revokeByGrantId), with the two letters that name them in an index field. */
const FIELD_NAMES: Readonly<Record<string, string>> = {
  AccessToken: 'AT',
  AuthorizationCode: 'AC',
  RefreshToken: 'RT',
  DeviceCode: 'DC',
  BackchannelAuthenticationRequest: 'BA',
  PreAuthorizedCode: 'PA',
};
const MODEL_OF_FIELD_NAME: ReadonlyMap<string, string> = new Map(Object.entries(FIELD_NAMES).map(([model, name]) => [name, model]));

/** Models whose records carry a grantId and die with their grant (revokeByGrantId). */
export const GRANTABLE_MODELS: ReadonlySet<string> = new Set(Object.keys(FIELD_NAMES));

/** How a token is listed: its lifetime and what that does to the index's expiry (SetExpiry). */
export interface IndexExpiry {
  ttlSeconds: number | undefined;
  expiry: SetExpiry;
}

export interface GrantTokenIndex {
  /** Queues the listing of a token under its grant, before the token's own write in the same batch. */
  list(batch: StoreBatch, grantId: string, model: string, id: string, expiry: IndexExpiry): void;
  /** Queues the removal of a token from its grant's index (the token destroyed alone). */
  unlist(batch: StoreBatch, grantId: string, model: string, id: string): void;
  /** The keys to delete with the grant: every token either index lists (record and use mark, in each layout), then the indexes themselves. */
  keysToRevoke(grantId: string): Promise<string[]>;
}

export interface GrantTokenIndexOptions {
  /** Until when (epoch ms) tokens are also added to the set of the releases before the seventh round (legacy-records.ts); 0: never. */
  legacySetsUntil: number;
  /** Until when (epoch ms) tokens are listed under their model's name, as the releases before the thirteenth round read them (legacy-records.ts); 0: never. */
  longFieldsUntil: number;
  clock: () => number;
}

export function createGrantTokenIndex(store: Store, keyNames: KeyNames, options: GrantTokenIndexOptions): GrantTokenIndex {
  /** The field that lists a token: two letters, or within the window the model's name (both names are read). */
  const field = (model: string, id: string) => `${options.clock() < options.longFieldsUntil ? model : FIELD_NAMES[model]}:${id}`;
  /** A token's record and use mark, named by its field (either name of its model); nothing for a field that names no token model. */
  const fieldKeys = (name: string): string[] => {
    const colon = name.indexOf(':');
    const [head, id] = [name.slice(0, colon), name.slice(colon + 1)];
    const model = GRANTABLE_MODELS.has(head) ? head : MODEL_OF_FIELD_NAME.get(head);
    if (colon < 1 || !id || model === undefined) return [];
    return [keyNames.modelJson(model, id), keyNames.modelUsed(model, id)];
  };
  /**
   * The keys a member of a release before's set stands for: the record and its use mark; for a
   * key of the hash layout (`…}:<Model>`), also the JSON text and use mark it may have been moved to.
   */
  const memberKeys = (member: string): string[] => {
    if (!member.startsWith(keyNames.prefix)) return [];
    if (member.endsWith(':json')) return [member, `${member.slice(0, -':json'.length)}:used`];
    return [member, `${member}:json`, `${member}:used`];
  };

  return {
    list(batch, grantId, model, id, { ttlSeconds, expiry }) {
      batch.hset(keyNames.grantTokenIndex(grantId), { [field(model, id)]: '' }, ttlSeconds, expiry);
      if (options.clock() < options.legacySetsUntil) batch.sadd(keyNames.legacyGrantTokens(grantId), [keyNames.modelJson(model, id)], ttlSeconds, expiry);
    },

    unlist(batch, grantId, model, id) {
      // Listed in the window or after it: either name may be there.
      batch.hdel(keyNames.grantTokenIndex(grantId), [`${FIELD_NAMES[model]}:${id}`, `${model}:${id}`]);
      batch.srem(keyNames.legacyGrantTokens(grantId), [keyNames.modelJson(model, id), keyNames.model(model, id)]);
    },

    async keysToRevoke(grantId) {
      const [index, legacy] = [keyNames.grantTokenIndex(grantId), keyNames.legacyGrantTokens(grantId)];
      const [fields, members] = await Promise.all([store.hkeys(index), store.smembers(legacy)]);
      return [...new Set([...fields.flatMap(fieldKeys), ...members.flatMap(memberKeys)]), index, legacy];
    },
  };
}
