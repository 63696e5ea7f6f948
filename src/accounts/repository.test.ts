import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createKeyNames, createMemoryStore } from '../store/index.ts';
import type { Store } from '../store/store.ts';
import { asOneRequest } from '../store/request-scope.ts';
import { createAccountRepository, type PscLogin } from './repository.ts';

const login = (idNat: string, family_name: string): PscLogin => ({
  pscSub: `f:psc:${idNat}`,
  profile: { SubjectNameID: idNat, family_name },
  authMode: 'CARD',
  acr: 'eidas3',
});

/** The store, counting its GETs. */
function countingGets(store: Store): { store: Store; gets: () => number } {
  let gets = 0;
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (name !== 'get' || typeof value !== 'function') return value;
      return (key: string) => {
        gets += 1;
        return (value as (key: string) => unknown).call(target, key);
      };
    },
  });
  return { store: proxy, gets: () => gets };
}

describe('practitioner accounts', () => {
  it('are read once per request, and a PSC sign-in in the request is seen by the rest of it', async () => {
    const counting = countingGets(createMemoryStore());
    // Without the process's recent accounts: the request's own reads alone.
    const accounts = createAccountRepository(counting.store, createKeyNames('t:'), { maxAgeMs: 0 });
    await accounts.upsertFromPsc(login('810101234561', 'Martin'), 1_000);
    await asOneRequest(async () => {
      const before = counting.gets();
      const first = await accounts.find('810101234561');
      first!.profile.family_name = 'changed by a caller';
      assert.equal((await accounts.find('810101234561'))?.profile.family_name, 'Martin');
      assert.equal(counting.gets() - before, 1, 'read once');
      await accounts.upsertFromPsc(login('810101234561', 'Martin-Durand'), 2_000);
      const after = await accounts.find('810101234561');
      assert.deepEqual([after?.profile.family_name, after?.pscVerifiedAt, after?.createdAt], ['Martin-Durand', 2_000, 1_000], 'the write is seen');
    });
  });

  it('without the recent accounts, never serve one request what another read', async () => {
    const store = createMemoryStore();
    const accounts = createAccountRepository(store, createKeyNames('t:'), { maxAgeMs: 0 });
    const other = createAccountRepository(store, createKeyNames('t:'));
    await accounts.upsertFromPsc(login('810102345672', 'Petit'), 1_000);
    assert.equal((await asOneRequest(() => accounts.find('810102345672')))?.pscVerifiedAt, 1_000);
    await other.upsertFromPsc(login('810102345672', 'Petit'), 5_000);
    assert.equal((await asOneRequest(() => accounts.find('810102345672')))?.pscVerifiedAt, 5_000, 'the next request reads the store');
    assert.equal((await accounts.find('810102345672'))?.pscVerifiedAt, 5_000, 'and so does work outside any request');
  });

  describe('recent accounts (recent-accounts.ts): read once per process across the requests of a sign-in', () => {
    const ID = '810103456783';

    it('a later request within the bound reads no GET; this process sees its own write at once', async () => {
      let now = 10_000;
      const counting = countingGets(createMemoryStore());
      const accounts = createAccountRepository(counting.store, createKeyNames('t:'), { maxAgeMs: 2_000, clock: () => now });
      const other = createAccountRepository(counting.store, createKeyNames('t:'), { maxAgeMs: 0 });
      await other.upsertFromPsc(login(ID, 'Bernard'), 1_000);
      const before = counting.gets();
      await asOneRequest(() => accounts.find(ID));
      now += 1_500;
      assert.equal((await asOneRequest(() => accounts.find(ID)))?.profile.family_name, 'Bernard');
      assert.equal(counting.gets() - before, 1, 'two requests, one read');
      await accounts.upsertFromPsc(login(ID, 'Bernard-Roux'), 2_000);
      assert.equal((await asOneRequest(() => accounts.find(ID)))?.profile.family_name, 'Bernard-Roux', 'its own write');
    });

    it("another instance's write is seen once the bound has passed, and never later", async () => {
      let now = 10_000;
      const store = createMemoryStore();
      const accounts = createAccountRepository(store, createKeyNames('t:'), { maxAgeMs: 2_000, clock: () => now });
      const other = createAccountRepository(store, createKeyNames('t:'), { maxAgeMs: 0 });
      await other.upsertFromPsc(login(ID, 'Moreau'), 1_000);
      assert.equal((await accounts.find(ID))?.pscVerifiedAt, 1_000);
      await other.upsertFromPsc(login(ID, 'Moreau'), 5_000);
      now += 1_999;
      assert.equal((await accounts.find(ID))?.pscVerifiedAt, 1_000, 'within the bound: the copy read 1,999 ms ago');
      now += 1;
      assert.equal((await accounts.find(ID))?.pscVerifiedAt, 5_000, 'at the bound: read again');
    });

    it("a read that began before this process's write never replaces what it wrote", async () => {
      const inner = createMemoryStore();
      const keyNames = createKeyNames('t:');
      let release: (() => void) | undefined;
      // A GET that answers the value it read only when released: a slow read, overtaken by a write.
      const slow: Store = {
        ...inner,
        get: async (key) => {
          const value = await inner.get(key);
          if (release === undefined) await new Promise<void>((resolve) => (release = resolve));
          return value;
        },
      };
      const accounts = createAccountRepository(slow, keyNames, { maxAgeMs: 60_000 });
      await createAccountRepository(inner, keyNames).upsertFromPsc(login(ID, 'Roux'), 1_000);
      const reading = asOneRequest(() => accounts.find(ID));
      await new Promise((resolve) => setTimeout(resolve, 10));
      await asOneRequest(() => accounts.upsertFromPsc(login(ID, 'Roux'), 9_000));
      release!();
      assert.equal((await reading)?.pscVerifiedAt, 1_000, 'the slow read gives what it read');
      assert.equal((await asOneRequest(() => accounts.find(ID)))?.pscVerifiedAt, 9_000, 'the write is what this process keeps');
    });

    it('never keeps an absent account: one created by another instance is found at once', async () => {
      const store = createMemoryStore();
      const accounts = createAccountRepository(store, createKeyNames('t:'), { maxAgeMs: 60_000 });
      const other = createAccountRepository(store, createKeyNames('t:'));
      assert.equal(await accounts.find(ID), undefined);
      await other.upsertFromPsc(login(ID, 'Lefebvre'), 1_000);
      assert.equal((await accounts.find(ID))?.profile.family_name, 'Lefebvre');
    });

    it('keeps at most maxEntries accounts, the least recently stored dropped first', async () => {
      const counting = countingGets(createMemoryStore());
      const writer = createAccountRepository(counting.store, createKeyNames('t:'), { maxAgeMs: 0 });
      const ids = ['810100000011', '810100000022', '810100000033'];
      for (const id of ids) await writer.upsertFromPsc(login(id, 'Garnier'), 1_000);
      const accounts = createAccountRepository(counting.store, createKeyNames('t:'), { maxAgeMs: 60_000, maxEntries: 2 });
      for (const id of ids) await accounts.find(id);
      const before = counting.gets();
      await accounts.find(ids[2]!);
      await accounts.find(ids[1]!);
      assert.equal(counting.gets() - before, 0, 'the two stored last are kept');
      await accounts.find(ids[0]!);
      assert.equal(counting.gets() - before, 1, 'the first was dropped');
    });
  });
});
