/**
 * PILOT_WRITE_MONTH_KEYS (pilot.writeMonthKeys): off by default (the pilot aggregates write the
 * day only), on for an upgrade that may be rolled back; anything but a yes or no is refused.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError, formatProblem } from './index.ts';

describe('pilot settings', () => {
  it('writes the legacy month keys only when asked', () => {
    assert.equal(loadConfig({ env: {} }).pilot.writeMonthKeys, false);
    assert.equal(loadConfig({ env: { PILOT_WRITE_MONTH_KEYS: 'true' } }).pilot.writeMonthKeys, true);
    assert.equal(loadConfig({ env: { PILOT_WRITE_MONTH_KEYS: 'false' } }).pilot.writeMonthKeys, false);
  });

  it('refuses a value that is neither yes nor no, naming the key and its variable', () => {
    try {
      loadConfig({ env: { PILOT_WRITE_MONTH_KEYS: 'sometimes' } });
      assert.fail('expected the configuration to be refused');
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(err.problems.map(formatProblem).join('\n'), /pilot\.writeMonthKeys \(PILOT_WRITE_MONTH_KEYS\) = "sometimes"/);
    }
  });
});
