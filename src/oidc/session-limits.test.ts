import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createSessionLifetimes } from './session-limits.ts';

const lifetimes = createSessionLifetimes({
  idleMinutes: 30,
  absoluteMinutes: 240,
  sharedWorkstation: { idleMinutes: 10, absoluteMinutes: 60, networks: ['10.12.0.0/16', 'fd00:1::/64'] },
  sweepSeconds: 30,
});
const MIN = 60_000;

describe('session lifetimes', () => {
  it('ends at the idle limit or the absolute limit, whichever comes first', () => {
    assert.equal(lifetimes.deadline({ loginAt: 0, lastSeenAt: 0, profile: 'default' }), 30 * MIN);
    assert.equal(lifetimes.deadline({ loginAt: 0, lastSeenAt: 225 * MIN, profile: 'default' }), 240 * MIN);
  });
  it('ends a session an administrator revoked at the revocation, whatever its lifetimes', () => {
    assert.equal(lifetimes.deadline({ loginAt: 0, lastSeenAt: 20 * MIN, profile: 'default', revokedAt: 21 * MIN }), 21 * MIN);
    assert.equal(lifetimes.deadline({ loginAt: 0, lastSeenAt: 0, profile: 'default', revokedAt: 90 * MIN }), 30 * MIN, 'an earlier lifetime still wins');
  });
  it('uses the strictest profile that applies', () => {
    assert.equal(lifetimes.deadline({ loginAt: 0, lastSeenAt: 0, profile: 'default' }, 'shared-workstation'), 10 * MIN);
    assert.deepEqual(lifetimes.limits('shared-workstation'), { idleMs: 10 * MIN, absoluteMs: 60 * MIN });
  });
  it('picks the shared-workstation profile by client or by network', () => {
    assert.equal(lifetimes.profileFor('shared-workstation', '192.168.1.5'), 'shared-workstation');
    assert.equal(lifetimes.profileFor('default', '10.12.4.7'), 'shared-workstation');
    assert.equal(lifetimes.profileFor('default', '::ffff:10.12.4.7'), 'shared-workstation');
    assert.equal(lifetimes.profileFor('default', 'fd00:1::42'), 'shared-workstation');
    assert.equal(lifetimes.profileFor('default', '10.13.0.1'), 'default');
    assert.equal(lifetimes.profileFor('default', undefined), 'default');
  });
});
