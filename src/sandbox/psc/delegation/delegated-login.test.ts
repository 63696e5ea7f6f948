import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { delegatedLogin } from './delegated-login.ts';
import { Pairings } from './pairings.ts';

const good = { sub: 'opaque', oid: '0b6f3c1e-1d7e-4c55-9c5c-2a3f7f1d9b10', tid: 'CH-TEST', acr: 'eidas2', amr: ['hwk', 'mfa'], auth_time: 1_800_000_000 };

describe('what the simulator accepts from an establishment (AMR tests)', () => {
  it("a phishing-resistant two-factor sign-in with oid and tid: PSC's acr and amr are the delegated ones", () => {
    const result = delegatedLogin(good);
    assert.ok(result.ok);
    assert.deepEqual(result.login, { oid: good.oid, tid: 'CH-TEST', sub: 'opaque', acr: 'eidas2', amr: ['hwk', 'mfa'], authTime: 1_800_000_000 });
  });

  for (const [why, claims, text] of [
    ['no mfa', { ...good, amr: ['hwk'] }, /deux facteurs/],
    ['a value outside RFC 8176', { ...good, amr: ['okta_verify', 'mfa'] }, /okta_verify/],
    ['no amr', { ...good, amr: undefined }, /absent/],
    ['eidas1', { ...good, acr: 'eidas1' }, /insuffisant/],
    ['no oid', { ...good, oid: undefined }, /oid et tid/],
    ['no tid', { ...good, tid: '' }, /oid et tid/],
  ] as const) {
    it(`refuses ${why}, saying why in French`, () => {
      const result = delegatedLogin(claims as Record<string, unknown>);
      assert.equal(result.ok, false);
      assert.match((result as { reason: string }).reason, text);
    });
  }
});

describe('pairings', () => {
  it('last their lifetime, keyed by establishment and local account', () => {
    let now = 1_000_000;
    const pairings = new Pairings(60, () => now);
    assert.equal(pairings.find('CH', 'a'), undefined);
    pairings.pair('CH', 'a', 'f:uuid:810101234561');
    assert.deepEqual(pairings.find('CH', 'a'), { pscSub: 'f:uuid:810101234561', pairedAt: 1_000_000, expiresAt: 1_060_000, expired: false });
    assert.equal(pairings.find('OTHER', 'a'), undefined, "another establishment's account with the same oid is not paired");
    now += 60_000;
    assert.equal(pairings.find('CH', 'a')?.expired, true);
  });
});
