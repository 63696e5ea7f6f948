/**
 * Every address range of the configuration (METRICS_ALLOW, SHARED_WORKSTATION_NETWORKS) is
 * checked as node:net will read it: a range it cannot read (a prefix over /32 for IPv4, a
 * malformed address) stops start-up with the key named (ConfigError), never a stack trace at
 * start-up or at the first request.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError, formatProblem } from './index.ts';

const cwd = mkdtempSync(join(tmpdir(), 'cfg-ranges-'));

function refusal(env: Record<string, string>): string {
  try {
    loadConfig({ env, cwd });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems.map(formatProblem).join('\n');
  }
  return assert.fail('expected the configuration to be refused');
}

describe('address ranges in the configuration', () => {
  for (const [variable, key] of [
    ['METRICS_ALLOW', 'metrics.allow'],
    ['SHARED_WORKSTATION_NETWORKS', 'sessions.sharedWorkstation.networks'],
  ] as const) {
    it(`${variable}: a range node:net cannot read is refused, naming ${key}`, () => {
      for (const bad of ['10.0.0.0/99', '300.1.2.0/24', '::1/129', 'a:b/8']) {
        assert.match(refusal({ [variable]: bad }), new RegExp(`${key.replace(/\./g, '\\.')}\\.0.*CIDR`), bad);
      }
      assert.doesNotThrow(() => loadConfig({ env: { [variable]: '10.12.0.0/16,2001:db8::/48' }, cwd }));
    });
  }
});
