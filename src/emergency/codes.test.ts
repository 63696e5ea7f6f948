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
let attempts = 0;
/** A sign-in of its own (an interaction uid). */
const nextAttempt = () => `signin-${(attempts += 1)}`;

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
    const attempt = nextAttempt();
    const redemption = await codes.redeem({ code, idNat: CLINICIAN, now, attempt });
    assert.equal(redemption.ok, true);
    if (!redemption.ok) return;
    await redemption.spend();
    const digest = codeDigest(code);
    assert.equal(await store.get(keyNames.emergencyCode(digest, 'code')), '', 'the record emptied: no code for the release before');
    assert.equal(
      await store.get(keyNames.emergencyCode(digest, 'used')),
      `1 ${attempt}`,
      'its use mark: spent, by that sign-in (a mark the release before reads as spent)',
    );
    assert.deepEqual(await codes.redeem({ code, idNat: CLINICIAN, now: now + CONSUMPTION_SETTLES_MS, attempt: nextAttempt() }), {
      ok: false,
      reason: 'code-used',
    });
  });

  test('a sign-in cut before it answered leaves the code pending: "try again", then usable again', async () => {
    const { codes, issue } = setup();
    const now = Date.now();
    const { code } = await issue(now);
    assert.equal((await codes.redeem({ code, idNat: CLINICIAN, now, attempt: nextAttempt() })).ok, true, 'claimed; never spent (the sign-in cut)');
    await assert.rejects(
      codes.redeem({ code, idNat: CLINICIAN, now: now + 1_000, attempt: nextAttempt() }),
      StoreUnavailableError,
      'while that sign-in may still run',
    );
    const again = await codes.redeem({ code, idNat: CLINICIAN, now: now + CONSUMPTION_SETTLES_MS, attempt: nextAttempt() });
    assert.equal(again.ok, true, 'settled: claimed again');
    await assert.rejects(
      codes.redeem({ code, idNat: CLINICIAN, now: now + CONSUMPTION_SETTLES_MS, attempt: nextAttempt() }),
      StoreUnavailableError,
      'claimed by one sign-in only',
    );
  });

  test('the form of one sign-in sent twice (a double click): the second submission goes on with the first, never "already used"', async () => {
    const { codes, issue } = setup();
    const now = Date.now();
    const { code } = await issue(now);
    const attempt = nextAttempt();
    const first = await codes.redeem({ code, idNat: CLINICIAN, now, attempt });
    assert.ok(first.ok);
    // The second arrives while the first runs: it waits for the first to answer.
    const second = codes.redeem({ code, idNat: CLINICIAN, now, attempt });
    await sleep(120);
    await first.spend();
    assert.deepEqual(await second, { ok: false, thisSignIn: true });
    // Or after the first answered.
    assert.deepEqual(await codes.redeem({ code, idNat: CLINICIAN, now, attempt }), { ok: false, thisSignIn: true });
    assert.deepEqual(await codes.redeem({ code, idNat: CLINICIAN, now, attempt: nextAttempt() }), { ok: false, reason: 'code-used' }, 'another sign-in: used');
  });

  test('two submissions of one sign-in that both read the code unclaimed: the one whose claim fails waits for the other', async () => {
    const { codes, issue } = setup();
    const now = Date.now();
    const { code } = await issue(now);
    const attempt = nextAttempt();
    const both = [codes.redeem({ code, idNat: CLINICIAN, now, attempt }), codes.redeem({ code, idNat: CLINICIAN, now, attempt })];
    const winner = await Promise.race(both);
    assert.ok(winner.ok, 'one claimed it');
    await winner.spend();
    const outcomes = await Promise.all(both);
    assert.deepEqual(
      outcomes.filter((o) => !o.ok),
      [{ ok: false, thisSignIn: true }],
      'the other goes on with it',
    );
  });

  test('a second submission whose first never answers gets the outage answer after waiting for it', async () => {
    const { codes, issue } = setup();
    const now = Date.now();
    const { code } = await issue(now);
    const attempt = nextAttempt();
    assert.ok((await codes.redeem({ code, idNat: CLINICIAN, now, attempt })).ok, 'claimed; never spent (cut)');
    const started = performance.now();
    await assert.rejects(codes.redeem({ code, idNat: CLINICIAN, now, attempt }), StoreUnavailableError);
    assert.ok(performance.now() - started >= STORE_ANSWER_MS - 100, 'it waited for the first');
  });

  test('a refused code is spent at once: another clinician, expired', async () => {
    const { codes, issue } = setup();
    const now = Date.now();
    const { code } = await issue(now);
    const other = await codes.redeem({ code, idNat: '810102345672', now, attempt: nextAttempt() });
    assert.equal(other.ok, false);
    assert.equal('reason' in other && other.reason, 'other-clinician');
    assert.deepEqual(
      await codes.redeem({ code, idNat: CLINICIAN, now, attempt: nextAttempt() }),
      { ok: false, reason: 'code-used' },
      'spent for its owner too',
    );

    const late = await issue(now - 2 * HOUR);
    const expired = await codes.redeem({ code: late.code, idNat: CLINICIAN, now, attempt: nextAttempt() });
    assert.equal('reason' in expired && expired.reason, 'code-expired');
    assert.deepEqual(await codes.redeem({ code: late.code, idNat: CLINICIAN, now, attempt: nextAttempt() }), { ok: false, reason: 'code-used' });
    assert.deepEqual(await codes.redeem({ code: 'ACDE-FGHJ-KMNP-QRTU', idNat: CLINICIAN, now, attempt: nextAttempt() }), { ok: false, reason: 'unknown-code' });
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
    const redemption = await codes.redeem({ code, idNat: CLINICIAN, now, attempt: nextAttempt() });
    assert.ok(redemption.ok);
    await assert.rejects(redemption.spend(), StoreUnavailableError);
    assert.equal(
      (await codes.redeem({ code, idNat: CLINICIAN, now: now + CONSUMPTION_SETTLES_MS, attempt: nextAttempt() })).ok,
      true,
      'usable again once settled',
    );
  });

  test('a code spent by the release before (record gone, mark "1") is used', async () => {
    const { store, codes, issue } = setup();
    const now = Date.now();
    const { code } = await issue(now);
    const digest = codeDigest(code);
    await store.del(keyNames.emergencyCode(digest, 'code'));
    await store.set(keyNames.emergencyCode(digest, 'used'), '1', 86_400);
    assert.deepEqual(await codes.redeem({ code, idNat: CLINICIAN, now, attempt: nextAttempt() }), { ok: false, reason: 'code-used' });
  });
});
