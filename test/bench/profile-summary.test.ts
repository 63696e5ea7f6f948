/**
 * bench/profile-summary.ts: self time by package and function from a V8 CPU profile, within a
 * scenario's window; bad input is a message, the usage and exit code 2, never a stack trace.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { commandOutput } from '../support/command-output.ts';
import { afterAll, describe, test } from 'vitest';
import { main } from '../../bench/profile-summary.ts';

const dir = mkdtempSync(join(tmpdir(), 'profile-summary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Root, then a gateway function (1 ms, 2 ms, 3 ms of samples at t = 1, 2, 3 ms) and oidc-provider (4 ms at t = 4 ms). */
const profile = {
  startTime: 1_000_000,
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 3] },
    { id: 2, callFrame: { functionName: 'verify', url: 'file:///app/src/webauthn/verify.ts', lineNumber: 9 } },
    { id: 3, callFrame: { functionName: 'find', url: 'file:///app/node_modules/oidc-provider/lib/models/base_model.js', lineNumber: 113 } },
  ],
  samples: [2, 2, 2, 3],
  timeDeltas: [1000, 1000, 1000, 1000],
};
const profileFile = join(dir, 'gateway-1.cpuprofile');
writeFileSync(profileFile, JSON.stringify(profile));
const resultsFile = join(dir, 'results.json');
writeFileSync(resultsFile, JSON.stringify({ scenarios: { b: { monotonicUs: [1_001_500, 1_003_500] } } }));

const run = (...argv: string[]) => commandOutput(main, argv);

describe('profile-summary', () => {
  test('self time by package and by function, over the whole profile and within a scenario', () => {
    const all = run(profileFile);
    assert.equal(all.code, 0);
    assert.match(all.stdout, /^total 4 ms of samples/);
    assert.match(all.stdout, /75 %\s+3 ms {2}src\/webauthn/);
    assert.match(all.stdout, /25 %\s+1 ms {2}oidc-provider/);
    assert.match(all.stdout, /verify webauthn\/verify\.ts:10/);
    const b = run(profileFile, '--results', resultsFile, '--scenario', 'b');
    assert.equal(b.code, 0);
    assert.match(b.stdout, /^total 2 ms of samples while b ran \(2 ms\)/, 'the samples at 2 and 3 ms only');
    assert.doesNotMatch(b.stdout, /oidc-provider/);
  });

  test('bad input: a message naming the problem, the usage, exit code 2', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--help-me', profileFile], /Unknown option '--help-me'/],
      [[], /expected one profile file, got 0/],
      [[profileFile, '--results', resultsFile], /--results and --scenario go together/],
      [[profileFile, '--top', 'many'], /--top: expected a whole number of lines, 1 or more, got "many"/],
      [[join(dir, 'missing.cpuprofile')], /cannot read profile .*missing\.cpuprofile: ENOENT/],
      [[resultsFile], /is not a V8 CPU profile/],
      [[profileFile, '--results', profileFile, '--scenario', 'z'], /no window for scenario "z" .*\(scenarios: none\)/],
      [[profileFile, '--results', resultsFile, '--scenario', 'z'], /no window for scenario "z" .*\(scenarios: b\)/],
    ];
    for (const [argv, message] of cases) {
      const { code, stdout, stderr } = run(...argv);
      assert.equal(code, 2, argv.join(' '));
      assert.equal(stdout, '');
      assert.match(stderr, message);
      assert.match(stderr, /^profile-summary: .*\nusage: node bench\/profile-summary\.ts/);
    }
  });

  test('as a command: an unknown option is one line and the usage, exit code 2, no stack trace', async () => {
    const failed = await promisify(execFile)(process.execPath, ['bench/profile-summary.ts', '--help-me']).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    assert.equal(failed?.code, 2);
    assert.match(failed!.stderr, /^profile-summary: Unknown option '--help-me'/);
    assert.doesNotMatch(failed!.stderr, /\n\s+at /);
    const help = await promisify(execFile)(process.execPath, ['bench/profile-summary.ts', '--help']);
    assert.match(help.stdout, /^usage: /);
  });
});
