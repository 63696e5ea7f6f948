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
    const accounts = createAccountRepository(counting.store, createKeyNames('t:'));
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

  it('never serve one request what another read', async () => {
    const store = createMemoryStore();
    const accounts = createAccountRepository(store, createKeyNames('t:'));
    const other = createAccountRepository(store, createKeyNames('t:'));
    await accounts.upsertFromPsc(login('810102345672', 'Petit'), 1_000);
    assert.equal((await asOneRequest(() => accounts.find('810102345672')))?.pscVerifiedAt, 1_000);
    await other.upsertFromPsc(login('810102345672', 'Petit'), 5_000);
    assert.equal((await asOneRequest(() => accounts.find('810102345672')))?.pscVerifiedAt, 5_000, 'the next request reads the store');
    assert.equal((await accounts.find('810102345672'))?.pscVerifiedAt, 5_000, 'and so does work outside any request');
  });
});
