/**
 * The credential repository on Redis and in memory: records by id and by account, rename
 * and revoke limited to the owner, revokeAll, block, recordUse that never resurrects a
 * revoked key, the user handle created once (also under concurrency) with its reverse index;
 * within one request, lists that reuse what the request read (with its own writes applied)
 * while lookup and listedFor still see another instance's revocation; add() binding nothing when
 * the record reaches the store too late, and one enrolment per credential id.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'vitest';
import { CredentialNameError } from '../../src/webauthn/errors.ts';
import { createCredentialRepository } from '../../src/webauthn/index.ts';
import { asOneRequest, outsideAnyRequest } from '../../src/store/request-scope.ts';
import type { Store } from '../../src/store/store.ts';
import type { StoredCredential } from '../../src/webauthn/types.ts';
import { eachBackend, uniqueIdNat } from './harness.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { STORE_ANSWER_MS } from '../../src/store/answer-deadline.ts';
import { SPEND_REPLY_MS } from '../../src/store/token-consumption.ts';
import { StoreUnavailableError } from '../../src/store/unavailable.ts';

/** The store, counting its reads of records and sets (hgetall, smembers). */
function countingReads(store: Store): { store: Store; reads: () => number } {
  let reads = 0;
  const counted = new Set(['hgetall', 'smembers']);
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof name !== 'string' || !counted.has(name) || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        reads += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, reads: () => reads };
}

function credential(idNat: string, overrides: Partial<StoredCredential> = {}): StoredCredential {
  return {
    id: randomBytes(16).toString('base64url'),
    idNat,
    publicKey: randomBytes(77).toString('base64url'),
    counter: 0,
    transports: ['usb', 'nfc'],
    deviceType: 'singleDevice',
    backedUp: false,
    aaguid: '2fc0579f-8113-47ea-b116-bb5a8db9202a',
    attestationFormat: 'packed',
    attachment: 'cross-platform',
    kind: 'security-key',
    model: 'YubiKey 5 NFC',
    name: 'YubiKey 5 NFC',
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

eachBackend('credential repository', (bench) => {
  test('add, find and lookup round-trip every field', async () => {
    const { deps } = bench();
    const stored = credential(uniqueIdNat(), { lastUsedAt: 1_700_000_100_000 });
    await deps.credentials.add(stored);
    assert.deepEqual(await deps.credentials.find(stored.id), stored);
    assert.deepEqual(await deps.credentials.lookup(stored.id), { state: 'active', credential: stored });
    const minimal = credential(stored.idNat);
    delete minimal.attachment;
    delete minimal.model;
    await deps.credentials.add(minimal);
    assert.deepEqual(await deps.credentials.find(minimal.id), minimal);
  });

  test('unknown and invalid ids are not found, without touching the store with them', async () => {
    const { deps } = bench();
    assert.equal(await deps.credentials.find(randomBytes(16).toString('base64url')), null);
    for (const bad of ['', 'a{b}c', 'has space', 'x'.repeat(1401), 'abc=', '*']) {
      assert.equal(await deps.credentials.find(bad), null, `find(${JSON.stringify(bad)})`);
      assert.deepEqual(await deps.credentials.lookup(bad), { state: 'unknown' });
      assert.equal(await deps.credentials.revoke(uniqueIdNat(), bad), false);
      assert.equal(await deps.credentials.recordUse(bad, { counter: 1, backedUp: false, at: 1 }), false);
    }
    await assert.rejects(deps.credentials.add(credential(uniqueIdNat(), { id: 'a{b}' })), /credential id: expected 1–1400 base64url characters/);
    await assert.rejects(deps.credentials.add(credential('not an idNat')), /idNat: expected 1–40 letters or digits/);
  });

  test('listByAccount: only that account, oldest first', async () => {
    const { deps } = bench();
    const idNat = uniqueIdNat();
    const newer = credential(idNat, { createdAt: 3000, name: 'newer' });
    const older = credential(idNat, { createdAt: 1000, name: 'older' });
    const middle = credential(idNat, { createdAt: 2000, name: 'middle' });
    for (const c of [newer, older, middle, credential(uniqueIdNat())]) await deps.credentials.add(c);
    assert.deepEqual(
      (await deps.credentials.listByAccount(idNat)).map((c) => c.name),
      ['older', 'middle', 'newer'],
    );
    assert.deepEqual(await deps.credentials.listByAccount(uniqueIdNat()), []);
    assert.deepEqual(await deps.credentials.listByAccount('bad idNat'), []);
  });

  test('recordUse updates counter, backedUp and lastUsedAt only', async () => {
    const { deps } = bench();
    const stored = credential(uniqueIdNat(), { deviceType: 'multiDevice' });
    await deps.credentials.add(stored);
    assert.equal(await deps.credentials.recordUse(stored.id, { counter: 7, backedUp: true, at: 1_800_000_000_000 }), true);
    assert.deepEqual(await deps.credentials.find(stored.id), { ...stored, counter: 7, backedUp: true, lastUsedAt: 1_800_000_000_000 });
  });

  test('rename: trims, 1–60 characters, only the owner; bad names throw CredentialNameError and change nothing', async () => {
    const { deps, snapshot } = bench();
    const idNat = uniqueIdNat();
    const stored = credential(idNat);
    await deps.credentials.add(stored);
    const renamed = await deps.credentials.rename(idNat, stored.id, '  Clé du bureau  ');
    assert.equal(renamed?.name, 'Clé du bureau');
    assert.equal((await deps.credentials.find(stored.id))?.name, 'Clé du bureau');
    assert.equal((await deps.credentials.rename(idNat, stored.id, 'é'.repeat(60)))?.name, 'é'.repeat(60));

    const before = await snapshot();
    for (const bad of ['', '   ', 'x'.repeat(61), 'tab\there', 'new\nline']) {
      await assert.rejects(deps.credentials.rename(idNat, stored.id, bad), (error: unknown) => {
        assert.ok(error instanceof CredentialNameError, `expected CredentialNameError for ${JSON.stringify(bad)}`);
        assert.equal(error.code, 'invalid-name');
        assert.match(error.message, /credential name: expected/);
        return true;
      });
    }
    assert.equal(await deps.credentials.rename(uniqueIdNat(), stored.id, 'Not yours'), null);
    assert.equal(await deps.credentials.rename(idNat, randomBytes(16).toString('base64url'), 'Unknown'), null);
    assert.deepEqual(await snapshot(), before);
  });

  test('revoke: only the owner; the key leaves the account and is then known as revoked', async () => {
    const { deps, snapshot } = bench();
    const idNat = uniqueIdNat();
    const kept = credential(idNat, { createdAt: 1 });
    const lost = credential(idNat, { createdAt: 2 });
    await deps.credentials.add(kept);
    await deps.credentials.add(lost);

    const before = await snapshot();
    assert.equal(await deps.credentials.revoke(uniqueIdNat(), lost.id), false, 'another account cannot revoke it');
    assert.deepEqual(await snapshot(), before);

    assert.equal(await deps.credentials.revoke(idNat, lost.id, 1_900_000_000_000), true);
    assert.equal(await deps.credentials.find(lost.id), null);
    assert.deepEqual(await deps.credentials.lookup(lost.id), { state: 'revoked', idNat, revokedAt: 1_900_000_000_000 });
    assert.deepEqual(
      (await deps.credentials.listByAccount(idNat)).map((c) => c.id),
      [kept.id],
    );
    assert.equal(await deps.credentials.revoke(idNat, lost.id), false, 'a second revoke finds nothing');
    assert.equal(await deps.credentials.recordUse(lost.id, { counter: 9, backedUp: false, at: 1 }), false, 'a late use does not resurrect it');
    assert.equal(await deps.credentials.block(lost.id, 'counter-regression', 1), false);
    assert.equal(await deps.credentials.find(lost.id), null);
  });

  test('a record its account no longer lists counts as revoked (half-applied revocation)', async () => {
    const { deps, store, keyNames } = bench();
    const idNat = uniqueIdNat();
    const stored = credential(idNat);
    await deps.credentials.add(stored);
    await store.batch().srem(keyNames.accountPart(idNat, 'credentials'), [stored.id]).exec();
    assert.deepEqual(await deps.credentials.lookup(stored.id), { state: 'revoked', idNat });
    assert.equal(await deps.credentials.find(stored.id), null);
    assert.equal(await deps.credentials.revoke(idNat, stored.id), true, 'the owner can still clean it up');
  });

  test('revokeAll: every key of the account, none of another; returns the count', async () => {
    const { deps } = bench();
    const leaving = uniqueIdNat();
    const staying = uniqueIdNat();
    const theirs = [credential(leaving), credential(leaving), credential(leaving)];
    const other = credential(staying);
    for (const c of [...theirs, other]) await deps.credentials.add(c);
    assert.equal(await deps.credentials.revokeAll(leaving), 3);
    assert.deepEqual(await deps.credentials.listByAccount(leaving), []);
    for (const c of theirs) assert.equal((await deps.credentials.lookup(c.id)).state, 'revoked');
    assert.deepEqual(await deps.credentials.find(other.id), other);
    assert.equal(await deps.credentials.revokeAll(leaving), 0);
    assert.equal(await deps.credentials.revokeAll('bad idNat'), 0);
  });

  test('block: marks the credential (kept listed, with reason and time); a later use keeps the block', async () => {
    const { deps } = bench();
    const stored = credential(uniqueIdNat());
    await deps.credentials.add(stored);
    assert.equal(await deps.credentials.block(stored.id, 'counter-regression', 1_950_000_000_000), true);
    await deps.credentials.recordUse(stored.id, { counter: 4, backedUp: false, at: 2 });
    const found = await deps.credentials.find(stored.id);
    assert.deepEqual(found?.blocked, { reason: 'counter-regression', at: 1_950_000_000_000 });
    assert.equal((await deps.credentials.listByAccount(stored.idNat)).length, 1);
  });

  test('a corrupt record is an error naming the key, not a guess', async () => {
    const { deps, store, keyNames } = bench();
    const stored = credential(uniqueIdNat());
    await deps.credentials.add(stored);
    await store.hsetIfExists(keyNames.credential(stored.id), { counter: '"seven"' });
    await assert.rejects(deps.credentials.find(stored.id), /stored credential .*credential: expected a credential hash written by this module, got counter:/);
  });

  test('userHandleFor: 32 random bytes, created once, with a reverse index', async () => {
    const { deps } = bench();
    const idNat = uniqueIdNat();
    const handle = await deps.credentials.userHandleFor(idNat);
    assert.match(handle, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(handle, 'base64url').byteLength, 32);
    assert.equal(await deps.credentials.userHandleFor(idNat), handle);
    assert.equal(await deps.credentials.accountForUserHandle(handle), idNat);
    assert.notEqual(await deps.credentials.userHandleFor(uniqueIdNat()), handle);
    assert.equal(await deps.credentials.accountForUserHandle(randomBytes(32).toString('base64url')), null);
    assert.equal(await deps.credentials.accountForUserHandle('not{base64url}'), null);
    assert.equal(await deps.credentials.accountForUserHandle('x'.repeat(87)), null);
    await assert.rejects(deps.credentials.userHandleFor('bad idNat'), /idNat: expected/);
  });

  test('userHandleFor: concurrent first calls agree on one handle; the losers leave no reverse index', async () => {
    const { deps, store, keyNames, snapshot } = bench();
    const idNat = uniqueIdNat();
    const handles = await Promise.all(Array.from({ length: 8 }, () => deps.credentials.userHandleFor(idNat)));
    assert.equal(new Set(handles).size, 1, `expected one handle, got ${new Set(handles).size}`);
    const [handle] = handles;
    assert.ok(handle);
    assert.equal(await store.get(keyNames.accountPart(idNat, 'webauthn-user')), handle);
    assert.equal(await deps.credentials.accountForUserHandle(handle), idNat);
    const reverse = Object.entries(await snapshot()).filter(([key, value]) => key.includes('{uh:') && value === idNat);
    assert.deepEqual(
      reverse.map(([key]) => key),
      [keyNames.userHandle(handle)],
      "one reverse index, the winner's",
    );
  });

  test('userHandleOf: read from the store once, then from memory (a handle never changes once set); none is not kept', async () => {
    const { deps, store, keyNames } = bench();
    const idNat = uniqueIdNat();
    assert.equal(await deps.credentials.userHandleOf(idNat), null);
    const handle = await deps.credentials.userHandleFor(idNat);
    assert.equal(await deps.credentials.userHandleOf(idNat), handle, 'an absent handle was not kept');
    // Taken away behind the repository (nothing does so in the gateway): still known.
    await store.del(keyNames.accountPart(idNat, 'webauthn-user'));
    assert.equal(await deps.credentials.userHandleOf(idNat), handle);
    assert.equal(await deps.credentials.userHandleOf('bad idNat'), null);
  });

  test('a reverse index lost after a crash is healed by the next call', async () => {
    const { deps, store, keyNames } = bench();
    const idNat = uniqueIdNat();
    const handle = await deps.credentials.userHandleFor(idNat);
    await store.del(keyNames.userHandle(handle));
    assert.equal(await deps.credentials.accountForUserHandle(handle), null);
    assert.equal(await deps.credentials.userHandleFor(idNat), handle);
    assert.equal(await deps.credentials.accountForUserHandle(handle), idNat);
  });

  test('a reverse index pointing at an account that uses another handle is ignored', async () => {
    const { deps, store, keyNames } = bench();
    const idNat = uniqueIdNat();
    await deps.credentials.userHandleFor(idNat);
    const stray = randomBytes(32).toString('base64url');
    await store.set(keyNames.userHandle(stray), idNat);
    assert.equal(await deps.credentials.accountForUserHandle(stray), null);
  });

  test('keys: a credential and its tombstone share a slot; the account set and handle share the account slot', async () => {
    const { keyNames } = bench();
    const id = randomBytes(16).toString('base64url');
    const tag = (key: string) => /\{([^}]+)\}/.exec(key)?.[1];
    assert.equal(tag(keyNames.credential(id)), tag(keyNames.credentialPart(id, 'revoked')));
    assert.equal(tag(keyNames.accountPart('8123', 'credentials')), tag(keyNames.accountPart('8123', 'webauthn-user')));
    assert.equal(tag(keyNames.accountPart('8123', 'credentials')), tag(keyNames.account('8123')));
  });

  test('userHandleOf: the account handle, never created by reading it', async () => {
    const { deps } = bench();
    const idNat = uniqueIdNat();
    assert.equal(await deps.credentials.userHandleOf(idNat), null);
    assert.equal(await deps.credentials.userHandleOf(idNat), null, 'reading made none');
    const handle = await deps.credentials.userHandleFor(idNat);
    assert.equal(await deps.credentials.userHandleOf(idNat), handle);
    assert.equal(await deps.credentials.userHandleOf('bad idNat'), null);
  });

  test('within one request, listing the keys after a lookup reads nothing again, and shows the writes of the request', async () => {
    const { store, keyNames } = bench();
    const counting = countingReads(store);
    const credentials = createCredentialRepository(counting.store, keyNames);
    const idNat = uniqueIdNat();
    const used = credential(idNat);
    const other = credential(idNat, { createdAt: used.createdAt + 1, name: 'Clé de secours' });
    await credentials.add(used);
    await credentials.add(other);
    await asOneRequest(async () => {
      assert.equal((await credentials.lookup(used.id)).state, 'active');
      assert.equal(await credentials.recordUse(used.id, { counter: 9, backedUp: false, at: 1_800_000_000_000 }), true);
      const before = counting.reads();
      const first = await credentials.listByAccount(idNat);
      assert.equal(counting.reads() - before, 1, "only the other key's record is read: the set and the used key come from the lookup");
      assert.deepEqual(
        first.map((c) => [c.id, c.counter, c.lastUsedAt]),
        [
          [used.id, 9, 1_800_000_000_000],
          [other.id, 0, undefined],
        ],
        'the use recorded in this request is seen',
      );
      first[0]!.name = 'changed by a caller';
      const again = await credentials.listUsable(idNat);
      assert.equal(counting.reads() - before, 1, 'listed twice, read once');
      assert.equal(again[0]!.name, used.name, 'a caller changing what it got changes nothing for the next');

      assert.equal(await credentials.block(used.id, 'counter-regression', 1_800_000_000_001), true);
      assert.equal((await credentials.rename(idNat, other.id, 'Clé bleue'))?.name, 'Clé bleue');
      assert.deepEqual(
        (await credentials.listUsable(idNat)).map((c) => [c.id, c.name]),
        [[other.id, 'Clé bleue']],
        'a block and a rename made in this request are seen',
      );
      // The record as stored matches what the request lists.
      assert.deepEqual(await outsideAnyRequest(() => credentials.listByAccount(idNat)), await credentials.listByAccount(idNat));
    });
  });

  test('within one request, lookup and listedFor see a revocation made meanwhile by another instance', async () => {
    const { deps, keyNames, store } = bench();
    const credentials = createCredentialRepository(store, keyNames);
    const idNat = uniqueIdNat();
    const key = credential(idNat);
    await credentials.add(key);
    await asOneRequest(async () => {
      assert.equal((await credentials.lookup(key.id)).state, 'active');
      assert.equal((await credentials.listByAccount(idNat)).length, 1);
      assert.equal(await credentials.listedFor(idNat, key.id), true);
      // Another instance (its own repository, outside this request) revokes the key.
      assert.equal(await outsideAnyRequest(() => deps.credentials.revoke(idNat, key.id)), true);
      assert.equal(await credentials.listedFor(idNat, key.id), false, 'listedFor reads the store');
      assert.equal((await credentials.lookup(key.id)).state, 'revoked', 'lookup reads the store');
      assert.deepEqual(await credentials.listByAccount(idNat), [], 'and the lists follow what those checks read');
    });
    assert.equal(await credentials.listedFor(idNat, key.id), false);
    assert.equal(await credentials.listedFor(uniqueIdNat(), key.id), false);
    assert.equal(await credentials.listedFor(idNat, 'a{b}'), false);
  });

  test("one request never sees another's reads: each lists the keys as they are when it reads them", async () => {
    const { deps, keyNames, store } = bench();
    const counting = countingReads(store);
    const credentials = createCredentialRepository(counting.store, keyNames);
    const idNat = uniqueIdNat();
    const [a, b] = [credential(idNat), credential(idNat, { createdAt: 1_700_000_000_001 })];
    await credentials.add(a);
    await credentials.add(b);
    assert.equal((await asOneRequest(() => credentials.listByAccount(idNat))).length, 2);
    await deps.credentials.revoke(idNat, a.id);
    const before = counting.reads();
    assert.deepEqual(
      (await asOneRequest(() => credentials.listByAccount(idNat))).map((c) => c.id),
      [b.id],
    );
    assert.equal(counting.reads() - before, 2, 'the next request reads the set and the record again');
    const outside = counting.reads();
    await credentials.listByAccount(idNat);
    await credentials.listByAccount(idNat);
    assert.equal(counting.reads() - outside, 4, 'outside a request every list reads the store');
  });

  test('add: the same credential id enrolled twice at once is added once; the other is told it is taken', async () => {
    const { deps } = bench();
    const stored = credential(uniqueIdNat());
    const added = await Promise.all([deps.credentials.add(stored), deps.credentials.add({ ...stored, name: 'Autre nom' })]);
    assert.deepEqual(added.toSorted(), [false, true]);
    assert.equal((await deps.credentials.listByAccount(stored.idNat)).length, 1);
    assert.equal(await deps.credentials.add(stored), false, 'and again later: taken');
  });

  test('add: a record that reaches the store after its request could answer is not written; the listing taken back', async () => {
    const { store, keyNames } = bench();
    // The record's write held up on its way for longer than a request may wait for the store, less the time left for its answer.
    const slow: Store = {
      ...store,
      setIfEqualsWithin: async (...args) => {
        await sleep(STORE_ANSWER_MS - SPEND_REPLY_MS + 300);
        return store.setIfEqualsWithin(...args);
      },
    };
    const credentials = createCredentialRepository(slow, keyNames);
    const late = credential(uniqueIdNat());
    await assert.rejects(credentials.add(late), (err: unknown) => err instanceof StoreUnavailableError && /too late/.test(String(err.cause)));
    assert.deepEqual(await credentials.lookup(late.id), { state: 'unknown' }, 'no record: nothing bound');
    assert.deepEqual(await store.smembers(keyNames.accountPart(late.idNat, 'credentials')), [], 'the listing taken back');
    assert.equal(await credentials.add(late), false, 'the id stays taken while its mark lives');

    const prompt = credential(late.idNat);
    assert.equal(await createCredentialRepository(store, keyNames).add(prompt), true);
    assert.deepEqual(await credentials.find(prompt.id), prompt);
  });
});
