/**
 * Test bench of the WebAuthn module: the same suites run over the real Redis (own key
 * prefix, deleted afterwards) and the memory store. The store is wrapped so that every key
 * written is remembered; snapshot() reads them all back, so a test can assert that a refused
 * ceremony changed nothing stored (credential records, counters, lastUsedAt, sets, handles).
 */
import assert from 'node:assert/strict';
import { WebAuthnError, type WebAuthnErrorCode } from '../../src/webauthn/errors.ts';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { createKeyNames, type KeyNames } from '../../src/store/key-names.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import { createRedisConnection } from '../../src/store/redis-connection.ts';
import { createRedisStore } from '../../src/store/redis-store.ts';
import type { Store, StoreBatch } from '../../src/store/store.ts';
import { loadAaguidTable } from '../../src/webauthn/aaguid.ts';
import { createAuthenticationOptions } from '../../src/webauthn/authentication-options.ts';
import { createWebAuthnDeps, type WebAuthnDeps } from '../../src/webauthn/deps.ts';
import { createRegistrationOptions } from '../../src/webauthn/registration-options.ts';
import { webauthnSettingsFor, type StoredCredential } from '../../src/webauthn/types.ts';
import { verifyRegistration } from '../../src/webauthn/verify-registration.ts';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis.ts';
import type { SoftAuthenticateContext, SoftAuthenticator } from '../support/soft-authenticator.ts';

export const ISSUER = 'https://connexion.chu-exemple.fr';
export const ORIGIN = 'https://connexion.chu-exemple.fr';
export const RP_ID = 'connexion.chu-exemple.fr';
export const AAGUIDS_PATH = fileURLToPath(new URL('../../config/aaguids.json', import.meta.url));

type KeyType = 'string' | 'hash' | 'set' | 'list' | 'zset';

export interface Harness {
  store: Store;
  keyNames: KeyNames;
  deps: WebAuthnDeps;
  /** A fresh ceremony key (as the routes will use: bound to an interaction uid). */
  ceremonyKey(name?: string): string;
  /** Everything written so far except ceremony state, read back from the store. */
  snapshot(): Promise<Record<string, unknown>>;
  /** Registers a credential for the account through the real ceremony. */
  enrol(idNat: string, authenticator: SoftAuthenticator, name?: string): Promise<StoredCredential>;
  /** Lets time pass: moves the memory store's clock, or really waits on Redis. */
  elapse(seconds: number): Promise<void>;
  /** Authentication options + the authenticator's answer (not verified yet). */
  assertion(
    authenticator: SoftAuthenticator,
    options?: { forAccount?: string; context?: Partial<SoftAuthenticateContext> },
  ): Promise<{
    ceremonyKey: string;
    options: PublicKeyCredentialRequestOptionsJSON;
    response: ReturnType<SoftAuthenticator['authenticate']>;
  }>;
}

export function uniqueIdNat(): string {
  return `8${BigInt(`0x${randomBytes(6).toString('hex')}`)
    .toString()
    .padStart(15, '0')}`;
}

/** Store wrapper remembering the type of every key written. */
function recording(inner: Store, written: Map<string, KeyType>): Store {
  const note = (key: string, type: KeyType) => {
    if (!written.has(key)) written.set(key, type);
  };
  const wrapBatch = (batch: StoreBatch): StoreBatch => {
    const wrapped: StoreBatch = {
      set(key, value, ttl) {
        note(key, 'string');
        batch.set(key, value, ttl);
        return wrapped;
      },
      setPart(key, index, value, ttl) {
        note(key, 'string');
        batch.setPart(key, index, value, ttl);
        return wrapped;
      },
      hsetAll(key, fields, ttl) {
        note(key, 'hash');
        batch.hsetAll(key, fields, ttl);
        return wrapped;
      },
      sadd(key, members, ttl, expiry) {
        note(key, 'set');
        batch.sadd(key, members, ttl, expiry);
        return wrapped;
      },
      srem(key, members) {
        note(key, 'set');
        batch.srem(key, members);
        return wrapped;
      },
      hset(key, fields, ttl, expiry) {
        note(key, 'hash');
        batch.hset(key, fields, ttl, expiry);
        return wrapped;
      },
      hdel(key, fields) {
        note(key, 'hash');
        batch.hdel(key, fields);
        return wrapped;
      },
      unionStore(dest, sources, ttl) {
        note(dest, 'set');
        batch.unionStore(dest, sources, ttl);
        return wrapped;
      },
      hincrby(key, field, by) {
        note(key, 'hash');
        batch.hincrby(key, field, by);
        return wrapped;
      },
      del(...keys) {
        batch.del(...keys);
        return wrapped;
      },
      zadd(key, score, member) {
        note(key, 'zset');
        batch.zadd(key, score, member);
        return wrapped;
      },
      setIfEqualsWithin(key, change, also) {
        note(key, 'string');
        if (also) note(also.key, 'hash' in also ? 'hash' : 'string');
        batch.setIfEqualsWithin(key, change, also);
        return wrapped;
      },
      exec: () => batch.exec(),
    };
    return wrapped;
  };
  return {
    kind: inner.kind,
    get: (key) => inner.get(key),
    async set(key, value, ttl) {
      note(key, 'string');
      await inner.set(key, value, ttl);
    },
    async setIfAbsent(key, value, ttl) {
      note(key, 'string');
      return inner.setIfAbsent(key, value, ttl);
    },
    async setIfEquals(key, expected, value, ttl) {
      note(key, 'string');
      return inner.setIfEquals(key, expected, value, ttl);
    },
    async setIfEqualsWithin(key, change, also) {
      note(key, 'string');
      if (also) note(also.key, 'hash' in also ? 'hash' : 'string');
      return inner.setIfEqualsWithin(key, change, also);
    },
    async replace(key, value) {
      note(key, 'string');
      return inner.replace(key, value);
    },
    take: (key) => inner.take(key),
    del: (...keys) => inner.del(...keys),
    hgetall: (key) => inner.hgetall(key),
    async hsetIfExists(key, fields) {
      note(key, 'hash');
      return inner.hsetIfExists(key, fields);
    },
    smembers: (key) => inner.smembers(key),
    hkeys: (key) => inner.hkeys(key),
    unionCount: (keys) => inner.unionCount(keys),
    mget: (keys) => inner.mget(keys),
    hmget: (key, fields) => inner.hmget(key, fields),
    async pushCapped(key, value, max) {
      note(key, 'list');
      await inner.pushCapped(key, value, max);
    },
    lrange: (key, start, stop) => inner.lrange(key, start, stop),
    async zadd(key, score, member) {
      note(key, 'zset');
      await inner.zadd(key, score, member);
    },
    zrangeUpTo: (key, max, limit) => inner.zrangeUpTo(key, max, limit),
    zrem: (key, member) => inner.zrem(key, member),
    ttl: (key) => inner.ttl(key),
    batch: () => wrapBatch(inner.batch()),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}

export type BackendName = 'redis' | 'memory';

/**
 * Runs `suite` once per backend, inside describe(`${title} (${backend})`). `bench()` is the
 * backend's harness, ready inside tests.
 */
export function eachBackend(title: string, suite: (bench: () => Harness, backend: BackendName) => void): void {
  for (const backend of ['redis', 'memory'] as const) {
    describe(`${title} (${backend})`, () => {
      const prefix = uniquePrefix(`webauthn-${backend}`);
      let harness: Harness | undefined;
      let inner: Store;
      let clockOffsetMs = 0;

      beforeAll(() => {
        inner =
          backend === 'redis' ? createRedisStore(createRedisConnection({ url: TEST_REDIS_URL })) : createMemoryStore({ now: () => Date.now() + clockOffsetMs });
        const elapse =
          backend === 'redis'
            ? (seconds: number) => sleep(seconds * 1000)
            : async (seconds: number) => {
                clockOffsetMs += seconds * 1000;
              };
        harness = createHarness(inner, prefix, elapse);
      });
      afterAll(async () => {
        if (backend === 'redis') await deletePrefix(prefix);
        await inner.close();
      });

      suite(() => {
        if (!harness) throw new Error('harness used outside a test');
        return harness;
      }, backend);
    });
  }
}

function createHarness(inner: Store, prefix: string, elapse: (seconds: number) => Promise<void>): Harness {
  const written = new Map<string, KeyType>();
  const store = recording(inner, written);
  const keyNames = createKeyNames(prefix);
  const deps = createWebAuthnDeps({ store, keyNames, settings: webauthnSettingsFor(ISSUER), aaguids: loadAaguidTable(AAGUIDS_PATH) });
  const ceremonyKey = (name = 'webauthn') => keyNames.interaction(randomBytes(12).toString('base64url'), name);
  const isCeremony = (key: string) => key.startsWith(`${prefix}{i:`);

  async function snapshot(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [key, type] of [...written].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (isCeremony(key)) continue;
      if (type === 'string') out[key] = await inner.get(key);
      else if (type === 'hash') out[key] = await inner.hgetall(key);
      else if (type === 'list') out[key] = await inner.lrange(key, 0, -1);
      else out[key] = (await inner.smembers(key)).sort();
    }
    return out;
  }

  async function enrol(idNat: string, authenticator: SoftAuthenticator, name?: string): Promise<StoredCredential> {
    const key = ceremonyKey('webauthn-register');
    const options = await createRegistrationOptions(deps, { ceremonyKey: key, idNat, userName: idNat, displayName: `Dr ${idNat}` });
    const response = authenticator.register(options, { origin: ORIGIN });
    return verifyRegistration(deps, { ceremonyKey: key, idNat, response, name });
  }

  async function assertion(authenticator: SoftAuthenticator, options: { forAccount?: string; context?: Partial<SoftAuthenticateContext> } = {}) {
    const key = ceremonyKey('webauthn-auth');
    const request = await createAuthenticationOptions(deps, { ceremonyKey: key, forAccount: options.forAccount });
    const response = authenticator.authenticate(request, { origin: ORIGIN, ...options.context });
    return { ceremonyKey: key, options: request, response };
  }

  return { store, keyNames, deps, ceremonyKey, snapshot, enrol, elapse, assertion };
}

/** Asserts a WebAuthnError with that code (and never another kind of error). */
export async function refused(promise: Promise<unknown>, code: WebAuthnErrorCode, message?: RegExp): Promise<WebAuthnError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(
    caught instanceof WebAuthnError,
    `expected WebAuthnError ${code}, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`,
  );
  assert.equal(caught.code, code, `expected code ${code}, got ${caught.code}: ${caught.message}`);
  if (message) assert.match(caught.message, message);
  return caught;
}
