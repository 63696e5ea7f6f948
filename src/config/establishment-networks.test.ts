/**
 * Declared establishment networks in the configuration (limits.networks, RATE_LIMIT_NETWORKS):
 * read from JSON, defaults filled in, and a bad entry refused at start-up with the key and the
 * variable named (ConfigError, exit code 2 from main).
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError, formatProblem } from './index.ts';

const cwd = mkdtempSync(join(tmpdir(), 'cfg-networks-'));

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ env, cwd });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems.map(formatProblem);
  }
  assert.fail('expected the configuration to be refused');
}

describe('declared establishment networks (limits.networks)', () => {
  it('none by default', () => {
    assert.deepEqual(loadConfig({ env: {}, cwd }).limits.networks, []);
  });

  it('reads RATE_LIMIT_NETWORKS as JSON, with the per-network budget sized for a shift change by default', () => {
    const config = loadConfig({
      env: {
        RATE_LIMIT_NETWORKS: JSON.stringify([
          { name: 'chu-nord-citrix', cidrs: ['203.0.113.0/28', '2001:db8:12::/48'] },
          { name: 'ehpad.proxy', cidrs: ['198.51.100.7/32'], forwardedFor: true, points: 600, seconds: 120 },
        ]),
      },
      cwd,
    });
    assert.deepEqual(config.limits.networks, [
      { name: 'chu-nord-citrix', cidrs: ['203.0.113.0/28', '2001:db8:12::/48'], points: 1500, seconds: 300, forwardedFor: false },
      { name: 'ehpad.proxy', cidrs: ['198.51.100.7/32'], points: 600, seconds: 120, forwardedFor: true },
    ]);
  });

  it('reads them from the configuration file too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-networks-file-'));
    writeFileSync(join(dir, 'gateway.json'), JSON.stringify({ limits: { networks: [{ name: 'site-a', cidrs: ['192.0.2.0/24'] }] } }));
    assert.equal(loadConfig({ env: { CONFIG_FILE: 'gateway.json' }, cwd: dir }).limits.networks[0]?.name, 'site-a');
  });

  it('refuses a bad address range, naming the entry, the key and the variable', () => {
    const lines = problemsOf({
      RATE_LIMIT_NETWORKS: JSON.stringify([
        { name: 'a', cidrs: ['10.0.0.0/33'] },
        { name: 'b', cidrs: ['300.1.2.0/24', '192.0.2.1'] },
        { name: 'c', cidrs: ['2001:db8::/129', 'fe80::/64'] },
      ]),
    });
    const range = 'an address range in CIDR notation (IPv4 /0–32, IPv6 /0–128), e.g. 203.0.113.0/28 or 2001:db8:12::/48';
    assert.deepEqual(lines, [
      `config: limits.networks.0.cidrs.0 (RATE_LIMIT_NETWORKS) = "10.0.0.0/33" — expected ${range}`,
      `config: limits.networks.1.cidrs.0 (RATE_LIMIT_NETWORKS) = "300.1.2.0/24" — expected ${range}`,
      `config: limits.networks.1.cidrs.1 (RATE_LIMIT_NETWORKS) = "192.0.2.1" — expected ${range}`,
      `config: limits.networks.2.cidrs.0 (RATE_LIMIT_NETWORKS) = "2001:db8::/129" — expected ${range}`,
    ]);
  });

  it("refuses a range wider than an establishment's own addresses, a missing name or range", () => {
    const lines = problemsOf({
      RATE_LIMIT_NETWORKS: JSON.stringify([
        { name: 'everyone', cidrs: ['0.0.0.0/0'] },
        { name: 'site', cidrs: [] },
        { name: 'site', cidrs: ['::/16'] },
        { cidrs: ['192.0.2.0/24'] },
      ]),
    });
    assert.deepEqual(lines, [
      'config: limits.networks.0.cidrs.0 (RATE_LIMIT_NETWORKS) = "0.0.0.0/0" — expected a range no wider than /8 (IPv4) or /32 (IPv6): a declared network is the establishment\'s own addresses',
      'config: limits.networks.1.cidrs (RATE_LIMIT_NETWORKS) = [] — expected at least 1 items',
      'config: limits.networks.2.cidrs.0 (RATE_LIMIT_NETWORKS) = "::/16" — expected a range no wider than /8 (IPv4) or /32 (IPv6): a declared network is the establishment\'s own addresses',
      'config: limits.networks.3.name (RATE_LIMIT_NETWORKS) = (missing) — expected a value of type string',
    ]);
  });

  it('refuses a name used twice (it names the budget)', () => {
    const lines = problemsOf({
      RATE_LIMIT_NETWORKS: JSON.stringify([
        { name: 'site', cidrs: ['192.0.2.0/24'] },
        { name: 'site', cidrs: ['198.51.100.0/24'] },
      ]),
    });
    assert.deepEqual(lines, [
      'config: limits.networks.1.name (RATE_LIMIT_NETWORKS) = "site" — expected a name used by one network only (it names the network\'s budget)',
    ]);
  });

  it('refuses a value that is not JSON, saying what is expected', () => {
    const lines = problemsOf({ RATE_LIMIT_NETWORKS: 'chu-nord=203.0.113.0/28' });
    assert.equal(lines.length, 1);
    assert.match(
      lines[0]!,
      /^config: limits\.networks \(RATE_LIMIT_NETWORKS\) = "chu-nord=203\.0\.113\.0\/28" — expected JSON: an array of networks such as \[\{"name":"chu-nord","cidrs":\["203\.0\.113\.0\/28"\]\}\] \(/,
    );
  });
});
