/**
 * The establishment's choices of issue 22 (emergency access, quick re-authentication, browser
 * and address changes): safe defaults, and a bad value stops start-up with one line naming the key.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError, formatProblem } from './index.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ env });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems.map(formatProblem);
  }
  assert.fail('expected the configuration to be refused');
}

describe('emergency access, quick re-authentication and session context settings', () => {
  it('defaults: codes valid 24 h at most, quick re-authentication off, another browser re-authenticates, another address is audited', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.emergency.validityHours, 24);
    assert.equal(config.sessions.sharedWorkstation.quickReauthMinutes, 0);
    assert.equal(config.sessions.browserChange, 'reauthenticate');
    assert.equal(config.sessions.addressChange, 'audit');
  });

  it('each bad value is one line naming the key and its variable', () => {
    assert.deepEqual(problemsOf({ EMERGENCY_VALIDITY_HOURS: '48' }), [
      'config: emergency.validityHours (EMERGENCY_VALIDITY_HOURS) = "48" — expected at most 24',
    ]);
    assert.deepEqual(problemsOf({ SHARED_WORKSTATION_QUICK_REAUTH_MINUTES: '300', SHARED_WORKSTATION_NETWORKS: '10.12.0.0/16' }), [
      'config: sessions.sharedWorkstation.quickReauthMinutes (SHARED_WORKSTATION_QUICK_REAUTH_MINUTES) = "300" — expected at most 240',
    ]);
    assert.deepEqual(problemsOf({ SHARED_WORKSTATION_QUICK_REAUTH_MINUTES: '60' }), [
      'config: sessions.sharedWorkstation.quickReauthMinutes (SHARED_WORKSTATION_QUICK_REAUTH_MINUTES) = "60" — expected 0, or shared-workstation networks in sessions.sharedWorkstation.networks (SHARED_WORKSTATION_NETWORKS): quick re-authentication is only for them',
    ]);
    assert.equal(
      loadConfig({ env: { SHARED_WORKSTATION_QUICK_REAUTH_MINUTES: '60', SHARED_WORKSTATION_NETWORKS: '10.12.0.0/16' } }).sessions.sharedWorkstation
        .quickReauthMinutes,
      60,
    );
    assert.deepEqual(problemsOf({ SESSION_BROWSER_CHANGE: 'kill' }), [
      'config: sessions.browserChange (SESSION_BROWSER_CHANGE) = "kill" — expected one of "ignore", "audit", "reauthenticate", "end"',
    ]);
    assert.deepEqual(problemsOf({ SESSION_ADDRESS_CHANGE: 'logout' }), [
      'config: sessions.addressChange (SESSION_ADDRESS_CHANGE) = "logout" — expected one of "ignore", "audit", "reauthenticate", "end"',
    ]);
  });
});
