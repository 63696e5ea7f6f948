import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMemoryStore } from '../store/memory-store.ts';
import { createKeyNames } from '../store/key-names.ts';
import { STORE_ANSWER_MS } from '../store/answer-deadline.ts';
import { CONSUMPTION_SETTLES_MS, SPEND_REPLY_MS } from '../store/token-consumption.ts';
import { StoreUnavailableError } from '../store/unavailable.ts';
import type { Store } from '../store/store.ts';
import { createEmergencyCodes } from './codes.ts';
import { codeDigest } from './code.ts';

const CLINICIAN = '810101234561';
const HOUR = 3_600_000;
const keyNames = createKeyNames('t:');

function setup(store: Store = createMemoryStore()) {
  const codes = createEmergencyCodes(store, keyNames);
  const issue = (now: number) => codes.issue({ idNat: CLINICIAN, issuedBy: 'test', via: 'cli', validityMs: HOUR, now });
  return { store, codes, issue };
}

describe('emergency codes: claimed, then spent as the sign-in answers', () => {
  test('an accepted code is spent by its sign-in answering: used once, and the release before reads it as spent', async () => {
    const { store, codes, issue } = setup();
    const now = Date.now();
    const { code } = await issue(now);
    const redemption = await codes.redeem({ code, idNat: CLINICIAN, now });
    assert.equal(redemption.ok, true);
    if (!redemption.ok) return;
    await redemption.spend();
    const digest = codeDigest(code);
    assert.equal(await store.get(keyNames.emergencyCode(digest, 'code')), '', 'the record emptied: no code for the release before');
    assert.equal(await store.get(keyNames.emergencyCode(digest, 'used')), '1', 'its use mark: spent');
    assert.deepEqual(await codes.redeem({ code, idNat: CLINICIAN, now: now + CONSUMPTION_SETTLES_MS }), { ok: false, reason: 'code-used' });
  });

  test('a sign-in cut before it answered leaves the code pending: "try again", then usable again', async () => {
    const { codes, issue } = setup();
    const now = Date.now();
    const { code } = await issue(now);
    assert.equal((await codes.redeem({ code, idNat: CLINICIAN, now })).ok, true, 'claimed; never spent (the sign-in cut)');
    await assert.rejects(codes.redeem({ code, idNat: CLINICIAN, now: now + 1_000 }), StoreUnavailableError, 'while that sign-in may still run');
    const again = await codes.redeem({ code, idNat: CLINICIAN, now: now + CONSUMPTION_SETTLES_MS });
    assert.equal(again.ok, true, 'settled: claimed again');
    await assert.rejects(codes.redeem({ code, idNat: CLINICIAN, now: now + CONSUMPTION_SETTLES_MS }), StoreUnavailableError, 'claimed by one sign-in only');
  });

  test('a refused code is spent at once: another clinician, expired', async () => {
    const { codes, issue } = setup();
    const now = Date.now();
    const { code } = await issue(now);
    const other = await codes.redeem({ code, idNat: '810102345672', now });
    assert.equal(other.ok, false);
    assert.equal(!other.ok && other.reason, 'other-clinician');
    assert.deepEqual(await codes.redeem({ code, idNat: CLINICIAN, now }), { ok: false, reason: 'code-used' }, 'spent for its owner too');

    const late = await issue(now - 2 * HOUR);
    const expired = await codes.redeem({ code: late.code, idNat: CLINICIAN, now });
    assert.equal(!expired.ok && expired.reason, 'code-expired');
    assert.deepEqual(await codes.redeem({ code: late.code, idNat: CLINICIAN, now }), { ok: false, reason: 'code-used' });
    assert.deepEqual(await codes.redeem({ code: 'ACDE-FGHJ-KMNP-QRTU', idNat: CLINICIAN, now }), { ok: false, reason: 'unknown-code' });
  });

  test('a spend that reaches the store after its sign-in gave up on it spends nothing: the code stays usable', async () => {
    const inner = createMemoryStore();
    const slow: Store = {
      ...inner,
      setIfEqualsWithin: async (...args) => {
        await sleep(STORE_ANSWER_MS - SPEND_REPLY_MS + 300);
        return inner.setIfEqualsWithin(...args);
      },
    };
    const { codes, issue } = setup(slow);
    const now = Date.now();
    const { code } = await issue(now);
    const redemption = await codes.redeem({ code, idNat: CLINICIAN, now });
    assert.ok(redemption.ok);
    await assert.rejects(redemption.spend(), StoreUnavailableError);
    assert.equal((await codes.redeem({ code, idNat: CLINICIAN, now: now + CONSUMPTION_SETTLES_MS })).ok, true, 'usable again once settled');
  });

  test('a code spent by the release before (record gone, mark "1") is used', async () => {
    const { store, codes, issue } = setup();
    const now = Date.now();
    const { code } = await issue(now);
    const digest = codeDigest(code);
    await store.del(keyNames.emergencyCode(digest, 'code'));
    await store.set(keyNames.emergencyCode(digest, 'used'), '1', 86_400);
    assert.deepEqual(await codes.redeem({ code, idNat: CLINICIAN, now }), { ok: false, reason: 'code-used' });
  });
});
