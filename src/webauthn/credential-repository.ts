/**
 * WebAuthn credentials in the store (no TTL), by credential id and by account.
 *
 * Layout (key names from store/key-names.ts):
 * - `credential(id)`: a hash whose fields hold JSON values — `record` (what registration
 *   fixed: idNat, public key, AAGUID, kind…), and one field per thing that changes later:
 *   `name`, `counter`, `backedUp`, `lastUsedAt`, `blocked`, `binding` (the sign-in or in-person check
 *   that bound the key; raised later), `confirmedAt` (the last confirmation through PSC: key-age.ts). Later updates go through
 *   hsetIfExists, so they are atomic, never resurrect a revoked credential and never undo
 *   each other (a block is not lost to a concurrent use).
 * - `credentialPart(<id>, 'revoked')`: tombstone `{ idNat, revokedAt }` (same slot), so that a
 *   revoked key is told apart from an unknown one.
 * - `credentialPart(<id>, 'enrolment')`: the enrolment's mark (same slot), `pending` then
 *   `bound`, for ENROLMENT_MARK_TTL_SECONDS. add() claims it (SET NX), lists the id in its
 *   account's set (a listing without a record binds nothing: lookup finds no record), then
 *   writes the record with the mark (Store.setIfEqualsWithin) only while the mark is young
 *   enough for the request to still answer (spendWithinMs, timed by Redis's clock): a record
 *   held up on its way past the request's deadline (a stalled connection, a failover after
 *   which ioredis sends it again) finds the mark too old and is not written, so no key is
 *   bound for a clinician answered the outage (test/chaos/enrolment-arrives-late.test.ts).
 * - `accountPart(idNat, 'credentials')`: set of the account's credential ids — the authority
 *   on which keys are active: a record missing from its account's set counts as revoked.
 * - `accountPart(idNat, 'webauthn-user')` / `userHandle(handle)`: the account's WebAuthn
 *   user handle and its reverse index. A handle, once set, is never changed nor deleted: this
 *   process keeps the handles it read (userHandleOf, at every key sign-in) in memory, at most
 *   KNOWN_HANDLES_MAX of them.
 *
 * Within one HTTP request, the lists of an account's keys (listByAccount, listUsable) reuse what
 * the request already read of the account's set and records (store/request-scope.ts), with its
 * own writes applied: a sign-in checks its key (lookup), then lists the account's keys for the
 * notices, without reading them twice. lookup and listedFor always read the store: they are the
 * checks that a key is still active.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { KeyNames } from '../store/key-names.ts';
import type { Store } from '../store/store.ts';
import { forgetForRequest, readOncePerRequest, rememberForRequest, updateForRequest } from '../store/request-scope.ts';
import { setBounded } from '../store/bounded-map.ts';
import { writeWhileAnswerable } from '../store/answerable-write.ts';
import { normalizeCredentialName } from './credential-name.ts';
import { assertCredentialId, assertIdNat, isCredentialId, isIdNat, isUserHandle } from './ids.ts';
import type { StoredCredential } from './types.ts';
import type { KeyBinding } from '../assurance/key-assurance.ts';
import { LEVELS } from '../assurance/levels.ts';

/** How long an enrolment's mark lives (see the header): longer than any request waits for the store. */
export const ENROLMENT_MARK_TTL_SECONDS = 60;

/** How long a revoked credential is still recognised as revoked (then it is just unknown). */
export const REVOKED_MARKER_TTL_SECONDS = 400 * 24 * 3600;

/** What the store knows of a credential id. */
export type CredentialLookup =
  { state: 'active'; credential: StoredCredential } | { state: 'revoked'; idNat: string; revokedAt?: number } | { state: 'unknown' };

export interface CredentialUse {
  /** Signature counter of the verified assertion. */
  counter: number;
  /** BS flag of the verified assertion. */
  backedUp: boolean;
  /** Epoch ms. */
  at: number;
}

export interface CredentialRepository {
  /**
   * Stores a new credential and lists it under its account, so that it counts only if the write
   * that makes it active reaches the store while the request may still answer (see the
   * header): false when this credential id is already being enrolled or was (nothing written);
   * StoreUnavailableError when the store answered too late.
   */
  add(credential: StoredCredential): Promise<boolean>;
  /** The active credential (blocked ones included), or null when unknown or revoked. */
  find(id: string): Promise<StoredCredential | null>;
  /** Active, revoked (tombstone, or record no longer listed by its account) or unknown. Always read from the store. */
  lookup(id: string): Promise<CredentialLookup>;
  /**
   * Whether the account still lists the credential: false once it is revoked (revoke,
   * revokeAll). One read of the account's set, always from the store.
   */
  listedFor(idNat: string, id: string): Promise<boolean>;
  /** The account's credentials, oldest first (within a request, as the request last read or wrote them). */
  listByAccount(idNat: string): Promise<StoredCredential[]>;
  /** The account's credentials that can sign in (not blocked), oldest first (as listByAccount). */
  listUsable(idNat: string): Promise<StoredCredential[]>;
  /** Records a verified use; false when the credential is gone (revoked meanwhile). */
  recordUse(id: string, use: CredentialUse): Promise<boolean>;
  /** Renames one of the account's credentials; null when it is not the account's. Throws CredentialNameError for a bad name. */
  rename(idNat: string, id: string, name: string): Promise<StoredCredential | null>;
  /** Revokes one of the account's credentials; false when it is not the account's. */
  revoke(idNat: string, id: string, at?: number): Promise<boolean>;
  /** Revokes every credential of the account (offboarding); returns how many there were. */
  revokeAll(idNat: string, at?: number): Promise<number>;
  /** Records a new binding (a raise: stronger sign-in, or in-person check); false when the credential is gone. */
  setBinding(id: string, binding: KeyBinding): Promise<boolean>;
  /** Records that a PSC sign-in followed by this key confirmed it (its age restarts); false when it is gone. */
  confirm(id: string, at: number): Promise<boolean>;
  /** Stops trusting a credential; false when it is gone. */
  block(id: string, reason: 'counter-regression', at: number): Promise<boolean>;
  /** The account's WebAuthn user handle (32 random bytes, base64url), created once. */
  userHandleFor(idNat: string): Promise<string>;
  /** The idNat a user handle belongs to, or null. */
  accountForUserHandle(handle: string): Promise<string | null>;
  /** The account's WebAuthn user handle, or null when it has none yet (never creates one). */
  userHandleOf(idNat: string): Promise<string | null>;
}

const json = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected JSON text' });
        return z.NEVER;
      }
    })
    .pipe(schema);

const recordSchema = z.object({
  id: z.string(),
  idNat: z.string(),
  publicKey: z.string(),
  transports: z.array(z.string()),
  deviceType: z.enum(['singleDevice', 'multiDevice']),
  aaguid: z.string(),
  attestationFormat: z.string(),
  attestation: z.object({ verified: z.boolean(), anchor: z.enum(['mds', 'establishment']).optional() }).optional(),
  attachment: z.enum(['platform', 'cross-platform']).optional(),
  kind: z.enum(['security-key', 'synced-passkey', 'platform']),
  model: z.string().optional(),
  createdAt: z.number(),
});

const bindingSchema = z.object({
  assurance: z.object({
    method: z.string(),
    acr: z.enum(LEVELS),
    amr: z.array(z.string()),
    phishingResistant: z.boolean(),
    hardwareProtected: z.boolean(),
  }),
  at: z.number(),
  by: z.enum(['sign-in', 'in-person']),
  confirmedBy: z.string().optional(),
});

const hashSchema = z.object({
  record: json(recordSchema),
  name: json(z.string()),
  counter: json(z.number().int().nonnegative()),
  backedUp: json(z.boolean()),
  lastUsedAt: json(z.number()).optional(),
  blocked: json(z.object({ reason: z.literal('counter-regression'), at: z.number() })).optional(),
  binding: json(bindingSchema).optional(),
  confirmedAt: json(z.number()).optional(),
});

const tombstoneSchema = z.object({ idNat: z.string(), revokedAt: z.number().optional() });

/** The record is corrupt: refuse to guess (the caller logs it and answers 500). */
export class StoredCredentialError extends Error {
  constructor(key: string, detail: string) {
    super(`stored credential ${key}: expected a credential hash written by this module, got ${detail}`);
    this.name = 'StoredCredentialError';
  }
}

/** How many accounts' user handles a process keeps in memory (the oldest stored go first). */
export const KNOWN_HANDLES_MAX = 10_000;

export function createCredentialRepository(store: Store, keyNames: KeyNames): CredentialRepository {
  /** idNat -> user handle, as read or made: never changes once set (see the header). */
  const knownHandles = new Map<string, string>();
  const credentialKey = (id: string) => keyNames.credential(id);
  const tombstoneKey = (id: string) => keyNames.credentialPart(id, 'revoked');
  const enrolmentKey = (id: string) => keyNames.credentialPart(id, 'enrolment');
  const accountSet = (idNat: string) => keyNames.accountPart(idNat, 'credentials');
  const handleKey = (idNat: string) => keyNames.accountPart(idNat, 'webauthn-user');

  function toHash(credential: StoredCredential): Record<string, string> {
    const { name, counter, backedUp, lastUsedAt, blocked, binding, confirmedAt, ...record } = credential;
    const fields: Record<string, string> = {
      record: JSON.stringify(record),
      name: JSON.stringify(name),
      counter: JSON.stringify(counter),
      backedUp: JSON.stringify(backedUp),
    };
    if (lastUsedAt !== undefined) fields.lastUsedAt = JSON.stringify(lastUsedAt);
    if (blocked !== undefined) fields.blocked = JSON.stringify(blocked);
    if (binding !== undefined) fields.binding = JSON.stringify(binding);
    if (confirmedAt !== undefined) fields.confirmedAt = JSON.stringify(confirmedAt);
    return fields;
  }

  /** The stored record, whether or not its account still lists it. */
  async function readRecord(id: string): Promise<StoredCredential | null> {
    const key = credentialKey(id);
    const hash = await store.hgetall(key);
    if (!hash) return null;
    const parsed = hashSchema.safeParse(hash);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new StoredCredentialError(key, `${issue?.path.map(String).join('.') || 'hash'}: ${issue?.message ?? 'invalid'}`);
    }
    const { record, name, counter, backedUp, lastUsedAt, blocked, binding, confirmedAt } = parsed.data;
    if (record.id !== id) throw new StoredCredentialError(key, `a record for credential ${JSON.stringify(record.id)}`);
    const credential: StoredCredential = { ...record, name, counter, backedUp };
    if (lastUsedAt !== undefined) credential.lastUsedAt = lastUsedAt;
    if (blocked !== undefined) credential.blocked = blocked;
    if (binding !== undefined) credential.binding = binding as KeyBinding;
    if (confirmedAt !== undefined) credential.confirmedAt = confirmedAt;
    return credential;
  }

  async function readTombstone(id: string): Promise<{ idNat: string; revokedAt?: number } | null> {
    const raw = await store.get(tombstoneKey(id));
    if (raw === null) return null;
    try {
      const parsed = tombstoneSchema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : { idNat: '' };
    } catch {
      return { idNat: '' };
    }
  }

  /** The account's set, read from the store; what the rest of the request lists from. */
  async function readSet(idNat: string): Promise<string[]> {
    const key = accountSet(idNat);
    const ids = await store.smembers(key);
    rememberForRequest(key, ids);
    return ids;
  }

  async function lookup(id: string): Promise<CredentialLookup> {
    if (!isCredentialId(id)) return { state: 'unknown' };
    const credential = await readRecord(id);
    rememberForRequest(credentialKey(id), credential);
    if (credential) {
      const listed = await readSet(credential.idNat);
      if (listed.includes(id)) return { state: 'active', credential };
      // A record its account no longer lists: a revocation that only half applied (Cluster).
      return { state: 'revoked', idNat: credential.idNat };
    }
    const tombstone = await readTombstone(id);
    if (tombstone) return { state: 'revoked', ...tombstone };
    return { state: 'unknown' };
  }

  async function find(id: string): Promise<StoredCredential | null> {
    const found = await lookup(id);
    return found.state === 'active' ? found.credential : null;
  }

  async function listedFor(idNat: string, id: string): Promise<boolean> {
    if (!isIdNat(idNat) || !isCredentialId(id)) return false;
    return (await readSet(idNat)).includes(id);
  }

  /** Forgets what this request read of keys it has just written (whether or not the write succeeded). */
  const wrote = (...keys: string[]) => keys.forEach(forgetForRequest);
  async function writing<T>(write: Promise<T>, ...keys: string[]): Promise<T> {
    try {
      return await write;
    } finally {
      wrote(...keys);
    }
  }

  /** add()'s writes, in their order (see the header): the mark, the listing, the record with the mark. */
  async function bind(credential: StoredCredential, record: string, set: string): Promise<boolean> {
    const mark = enrolmentKey(credential.id);
    if (!(await store.setIfAbsent(mark, 'pending', ENROLMENT_MARK_TTL_SECONDS))) return false;
    const claim = { key: mark, value: 'pending', ttlSeconds: ENROLMENT_MARK_TTL_SECONDS, answeredAt: performance.now(), name: "the enrolment's mark" };
    await store.batch().sadd(set, [credential.id]).exec();
    await writeWhileAnswerable(store, claim, {
      value: 'bound',
      also: { key: record, hash: toHash(credential) },
      what: `the record of credential ${credential.id}`,
      // The listing alone binds nothing; taken back all the same, where the store still answers.
      onRefused: () =>
        store
          .batch()
          .srem(set, [credential.id])
          .exec()
          .catch(() => undefined),
    });
    return true;
  }

  async function add(credential: StoredCredential): Promise<boolean> {
    assertCredentialId(credential.id);
    assertIdNat(credential.idNat);
    const [record, set] = [credentialKey(credential.id), accountSet(credential.idNat)];
    return writing(bind(credential, record, set), record, set);
  }

  async function listByAccount(idNat: string): Promise<StoredCredential[]> {
    if (!isIdNat(idNat)) return [];
    const set = accountSet(idNat);
    const ids = (await readOncePerRequest(set, () => store.smembers(set))).filter(isCredentialId);
    const records = await Promise.all(ids.map((id) => readOncePerRequest(credentialKey(id), () => readRecord(id))));
    return records
      .filter((credential): credential is StoredCredential => credential !== null && credential.idNat === idNat)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async function listUsable(idNat: string): Promise<StoredCredential[]> {
    return (await listByAccount(idNat)).filter((credential) => !credential.blocked);
  }

  async function recordUse(id: string, use: CredentialUse): Promise<boolean> {
    if (!isCredentialId(id)) return false;
    const key = credentialKey(id);
    const used = await store
      .hsetIfExists(key, {
        counter: JSON.stringify(use.counter),
        backedUp: JSON.stringify(use.backedUp),
        lastUsedAt: JSON.stringify(use.at),
      })
      .catch((error: unknown) => {
        wrote(key);
        throw error;
      });
    // The rest of the request sees the key as this use left it (the notices list its keys).
    if (used) updateForRequest<StoredCredential | null>(key, (read) => read && { ...read, counter: use.counter, backedUp: use.backedUp, lastUsedAt: use.at });
    else wrote(key);
    return used;
  }

  async function rename(idNat: string, id: string, name: string): Promise<StoredCredential | null> {
    const normalized = normalizeCredentialName(name);
    const credential = await find(id);
    if (!credential || credential.idNat !== idNat) return null;
    const updated = await writing(store.hsetIfExists(credentialKey(id), { name: JSON.stringify(normalized) }), credentialKey(id));
    return updated ? { ...credential, name: normalized } : null;
  }

  async function revoke(idNat: string, id: string, at = Date.now()): Promise<boolean> {
    if (!isIdNat(idNat) || !isCredentialId(id)) return false;
    const credential = await readRecord(id);
    if (!credential || credential.idNat !== idNat) return false;
    await writing(
      store
        .batch()
        .del(credentialKey(id))
        .set(tombstoneKey(id), JSON.stringify({ idNat, revokedAt: at }), REVOKED_MARKER_TTL_SECONDS)
        .srem(accountSet(idNat), [id])
        .exec(),
      credentialKey(id),
      accountSet(idNat),
    );
    return true;
  }

  async function revokeAll(idNat: string, at = Date.now()): Promise<number> {
    if (!isIdNat(idNat)) return 0;
    const ids = (await store.smembers(accountSet(idNat))).filter(isCredentialId);
    const records = await Promise.all(ids.map(readRecord));
    const owned = records.filter((credential): credential is StoredCredential => credential !== null && credential.idNat === idNat);
    const batch = store.batch();
    for (const credential of owned) {
      batch.del(credentialKey(credential.id)).set(tombstoneKey(credential.id), JSON.stringify({ idNat, revokedAt: at }), REVOKED_MARKER_TTL_SECONDS);
    }
    // Deleting the whole set also disowns a key enrolled while this ran: it can no longer sign in.
    batch.del(accountSet(idNat));
    await writing(batch.exec(), accountSet(idNat), ...ids.map(credentialKey));
    return owned.length;
  }

  async function setBinding(id: string, binding: KeyBinding): Promise<boolean> {
    if (!isCredentialId(id)) return false;
    return writing(store.hsetIfExists(credentialKey(id), { binding: JSON.stringify(binding) }), credentialKey(id));
  }

  async function confirm(id: string, at: number): Promise<boolean> {
    if (!isCredentialId(id)) return false;
    return writing(store.hsetIfExists(credentialKey(id), { confirmedAt: JSON.stringify(at) }), credentialKey(id));
  }

  async function block(id: string, reason: 'counter-regression', at: number): Promise<boolean> {
    if (!isCredentialId(id)) return false;
    return writing(store.hsetIfExists(credentialKey(id), { blocked: JSON.stringify({ reason, at }) }), credentialKey(id));
  }

  async function userHandleFor(idNat: string): Promise<string> {
    assertIdNat(idNat);
    const existing = await store.get(handleKey(idNat));
    if (existing !== null) {
      // Heals a reverse index lost after a crash between the two writes below.
      await store.setIfAbsent(keyNames.userHandle(existing), idNat);
      return existing;
    }
    const candidate = randomBytes(32).toString('base64url');
    // Reverse index first: a handle is never visible without it.
    await store.set(keyNames.userHandle(candidate), idNat);
    if (await store.setIfAbsent(handleKey(idNat), candidate)) return candidate;
    // Another call won the race: drop our candidate and use theirs.
    await store.del(keyNames.userHandle(candidate));
    const winner = await store.get(handleKey(idNat));
    if (winner === null) throw new Error(`webauthn user handle of ${idNat}: expected the handle set by a concurrent call, got none`);
    await store.setIfAbsent(keyNames.userHandle(winner), idNat);
    return winner;
  }

  async function accountForUserHandle(handle: string): Promise<string | null> {
    if (!isUserHandle(handle)) return null;
    const idNat = await store.get(keyNames.userHandle(handle));
    if (idNat === null || !isIdNat(idNat)) return null;
    // Only the handle the account really uses (not a leftover candidate of a lost race).
    return (await store.get(handleKey(idNat))) === handle ? idNat : null;
  }

  async function userHandleOf(idNat: string): Promise<string | null> {
    if (!isIdNat(idNat)) return null;
    const known = knownHandles.get(idNat);
    if (known !== undefined) return known;
    const handle = await store.get(handleKey(idNat));
    if (handle !== null) setBounded(knownHandles, idNat, handle, KNOWN_HANDLES_MAX);
    return handle;
  }

  return {
    add,
    find,
    lookup,
    listedFor,
    listByAccount,
    listUsable,
    recordUse,
    rename,
    revoke,
    revokeAll,
    setBinding,
    confirm,
    block,
    userHandleFor,
    accountForUserHandle,
    userHandleOf,
  };
}
