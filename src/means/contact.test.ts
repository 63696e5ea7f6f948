import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createKeyNames, createMemoryStore } from '../store/index.ts';
import { createContactBook, emailAddress, MAX_CODE_ATTEMPTS } from './contact.ts';

const config = { mail: { codeMinutes: 15, codesPerHour: 3 } } as never;
const book = () => {
  const store = createMemoryStore();
  const keyNames = createKeyNames('t:');
  return { store, keyNames, contacts: createContactBook(store, keyNames, config, 'k'.repeat(32)) };
};
const ID = '810101234561';
const T0 = Date.UTC(2026, 11, 4, 10);

describe('the notice address and its one-time code', () => {
  it('keeps the address only once its code comes back, once; stores the code hashed with a TTL', async () => {
    const { store, keyNames, contacts } = book();
    const code = (await contacts.newCode(ID, 'a@h.test', T0))!;
    assert.match(code, /^\d{6}$/);
    const stored = (await store.get(keyNames.accountPart(ID, 'email-code')))!;
    assert.ok(!stored.includes(code));
    const ttl = await store.ttl(keyNames.accountPart(ID, 'email-code'));
    assert.ok(ttl > 0 && ttl <= 900);
    assert.equal(await contacts.address(ID), null);
    assert.deepEqual(await contacts.check(ID, code), { result: 'verified', email: 'a@h.test' });
    assert.equal(await contacts.address(ID), 'a@h.test');
    assert.deepEqual(await contacts.check(ID, code), { result: 'no-code' }, 'single use');
  });

  it('refuses a wrong code, then every code after five tries', async () => {
    const { contacts } = book();
    const code = (await contacts.newCode(ID, 'a@h.test', T0))!;
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 1; i < MAX_CODE_ATTEMPTS; i += 1)
      assert.deepEqual(await contacts.check(ID, wrong), { result: 'wrong-code', attemptsLeft: MAX_CODE_ATTEMPTS - i });
    assert.deepEqual(await contacts.check(ID, wrong), { result: 'too-many-attempts' });
    assert.deepEqual(await contacts.check(ID, code), { result: 'no-code' });
    assert.equal(await contacts.address(ID), null);
  });

  it('a code is bound to its clinician and to the address it was sent to', async () => {
    const { contacts } = book();
    const mine = (await contacts.newCode(ID, 'a@h.test', T0))!;
    assert.equal((await contacts.check('810102345672', mine)).result, 'no-code', 'another clinician has no code');
    const newer = (await contacts.newCode(ID, 'b@h.test', T0 + 1000))!;
    if (newer !== mine) assert.equal((await contacts.check(ID, mine)).result, 'wrong-code', 'a new code replaces the old one');
    assert.deepEqual(await contacts.check(ID, newer), { result: 'verified', email: 'b@h.test' });
  });

  it('sends at most codesPerHour codes an hour', async () => {
    const { contacts } = book();
    for (let i = 0; i < 3; i += 1) assert.ok(await contacts.newCode(ID, 'a@h.test', T0 + i * 60_000));
    assert.equal(await contacts.newCode(ID, 'a@h.test', T0 + 10 * 60_000), null);
    assert.ok(await contacts.newCode(ID, 'a@h.test', T0 + 61 * 60_000), 'an hour after the first, one more');
  });

  it('accepts addresses as the form gives them, and refuses the rest', () => {
    assert.equal(emailAddress.parse('  dr.martin@hopital.test '), 'dr.martin@hopital.test');
    for (const bad of ['', 'pas-une-adresse', 'a@', `${'a'.repeat(250)}@h.test`, 'a b@h.test']) assert.equal(emailAddress.safeParse(bad).success, false, bad);
  });
});
