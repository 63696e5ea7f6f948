/**
 * `npm run bench -- --alloc-profile DIR`: what a process allocates during a scenario, sampled
 * through its inspector with the garbage included (bench/alloc-sampler.ts), and read per request
 * by package (bench/alloc-summary.ts); bad input is a message, the usage and exit code 2.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandOutput } from '../support/command-output.ts';
import { afterAll, describe, test } from 'vitest';
import { inspectorUrlIn, withAllocationProfile, withKeptProfile, type SamplingHeapProfile } from '../../bench/alloc-sampler.ts';
import { allocationsOf, main } from '../../bench/alloc-summary.ts';
import { BenchOptionError, parseBenchOptions, type BenchOptions } from '../../bench/options.ts';

const dir = mkdtempSync(join(tmpdir(), 'alloc-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber, scriptId: '0', columnNumber: 0 });
/** 6 KiB by a gateway function (2 of them through Object.entries, a builtin without a script), 2 KiB by oidc-provider. */
const profile: SamplingHeapProfile = {
  head: {
    callFrame: frame('(root)', ''),
    selfSize: 0,
    children: [
      {
        callFrame: frame('findSecrets', 'file:///app/src/audit/redact.ts', 69),
        selfSize: 4096,
        children: [{ callFrame: frame('entries', ''), selfSize: 2048, children: [] }],
      },
      { callFrame: frame('save', 'file:///app/node_modules/oidc-provider/lib/models/base_model.js', 76), selfSize: 2048, children: [] },
    ],
  },
};
const profileFile = join(dir, 'b.heapprofile');
writeFileSync(profileFile, JSON.stringify(profile));
const resultsFile = join(dir, 'results.json');
writeFileSync(resultsFile, JSON.stringify({ scenarios: { b: { count: 2 } }, sessions: { signIns: 4 } }));
const survivorsFile = join(dir, 'survivors.json');
writeFileSync(survivorsFile, JSON.stringify({ scenarios: { b: { count: 2 } }, options: { allocSurvivors: true } }));
const noFillFile = join(dir, 'no-fill.json');
writeFileSync(noFillFile, JSON.stringify({ scenarios: { b: { count: 2 } } }));

const run = (...argv: string[]) => commandOutput(main, argv);

describe('alloc-summary', () => {
  test("bytes by package and function, a builtin's counted for its caller, per unit of the scenario", () => {
    const summary = allocationsOf(profile);
    assert.equal(summary.total, 8192);
    assert.deepEqual(summary.packages, [
      { name: 'src/audit', bytes: 6144 },
      { name: 'oidc-provider', bytes: 2048 },
    ]);
    assert.equal(summary.functions[0]!.name, 'findSecrets audit/redact.ts:70');
    const { code, stdout } = run(profileFile, '--results', resultsFile, '--scenario', 'b');
    assert.equal(code, 0);
    assert.match(stdout, /^4\.00 KiB allocated per unit of b \(2 units/);
    assert.match(stdout, /3\.00 KiB {2}src\/audit\n/);
    assert.match(stdout, /1\.00 KiB {2}oidc-provider\n/);
  });

  test('a profile taken with --alloc-survivors says so: what survived a young collection, per unit', () => {
    const { code, stdout } = run(profileFile, '--results', survivorsFile, '--scenario', 'b');
    assert.equal(code, 0);
    assert.match(stdout, /^4\.00 KiB survived a young collection per unit of b \(2 units/);
  });

  test('a profile of what the session fill kept alive: per sign-in of the fill', () => {
    const { code, stdout } = run(profileFile, '--results', resultsFile, '--scenario', 'fill-kept');
    assert.equal(code, 0);
    assert.match(stdout, /^2\.00 KiB kept alive per unit of fill-kept \(4 units/);
    const refused = run(profileFile, '--results', noFillFile, '--scenario', 'fill-kept');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /no sign-ins of a session fill in .*no-fill\.json \(run with --sessions-first\)/);
  });

  test('bad input: a message naming the problem, the usage, exit code 2', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--nope', profileFile], /Unknown option '--nope'/],
      [[], /expected one profile file, got 0/],
      [[profileFile], /--results and --scenario are needed/],
      [[profileFile, '--results', resultsFile, '--scenario', 'b', '--top', '0'], /--top: expected a whole number of lines, 1 or more, got "0"/],
      [[join(dir, 'missing.heapprofile'), '--results', resultsFile, '--scenario', 'b'], /cannot read profile .*missing\.heapprofile: ENOENT/],
      [[resultsFile, '--results', resultsFile, '--scenario', 'b'], /is not a sampling heap profile/],
      [[profileFile, '--results', resultsFile, '--scenario', 'z'], /no count for scenario "z" .*\(scenarios: b\)/],
    ];
    for (const [argv, message] of cases) {
      const { code, stdout, stderr } = run(...argv);
      assert.equal(code, 2, argv.join(' '));
      assert.equal(stdout, '');
      assert.match(stderr, message);
      assert.match(stderr, /^alloc-summary: .*\nusage: node bench\/alloc-summary\.ts/);
    }
  });
});

/**
 * Runs `script` in node with its inspector on a free port, once the inspector listens and, when
 * `readyLine` is given, once the script printed it on stderr (node prints the inspector's
 * address before the script runs: a signal sent then would find no handler yet).
 */
async function startInspected(script: string, readyLine?: string): Promise<{ child: ReturnType<typeof spawn>; url: string }> {
  const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const found = inspectorUrlIn(stderr);
      if (found && (!readyLine || stderr.split('\n').includes(readyLine))) resolve(found);
    });
    child.once('exit', () => reject(new Error(`node exited before its inspector listened: ${stderr}`)));
  });
  return { child, url };
}

describe('alloc-sampler', () => {
  test("reads the inspector's address from what node prints", () => {
    assert.equal(
      inspectorUrlIn('Debugger listening on ws://127.0.0.1:43121/0f6c2e5e-1b7a-4c1e-9a51-2b1e8f7d9c10\nFor help, see: https://nodejs.org/en/docs/inspector\n'),
      'ws://127.0.0.1:43121/0f6c2e5e-1b7a-4c1e-9a51-2b1e8f7d9c10',
    );
    assert.equal(inspectorUrlIn('{"msg":"gateway listening"}\n'), undefined);
  });

  test('samples what a running process allocates, garbage included, into DIR/<key>.heapprofile', async () => {
    // Allocates short-lived objects all the time: none is alive at the end, all must be in the profile.
    const script = join(dir, 'churn.mjs');
    writeFileSync(
      script,
      'const kept = [];\nfunction churn() { for (let i = 0; i < 2000; i++) kept.push({ i, text: "x" + i }); kept.length = 0; }\nsetInterval(churn, 1);\n',
    );
    const { child, url } = await startInspected(script);
    try {
      const answer = await withAllocationProfile(dir, 'churn', url, () => new Promise<string>((resolve) => setTimeout(() => resolve('measured'), 400)));
      assert.equal(answer, 'measured');
      const sampled = JSON.parse(readFileSync(join(dir, 'churn.heapprofile'), 'utf8')) as SamplingHeapProfile;
      const churn = allocationsOf(sampled).functions.find((f) => f.name.startsWith('churn '));
      assert.ok(churn && churn.bytes > 100_000, `churn allocated ${churn?.bytes ?? 0} bytes in the profile`);
    } finally {
      child.kill();
    }
  });

  test('kept mode: what the window left alive after a full collection, not its garbage, and the heap then in use', async () => {
    // Keeps 20,000 objects made by one function, and churns short-lived ones made by another all along.
    const script = join(dir, 'keep.mjs');
    writeFileSync(
      script,
      [
        'const kept = []; let started = false;',
        'function churn() { const garbage = []; for (let i = 0; i < 2000; i++) garbage.push({ i, text: "y" + i }); }',
        'function keep() { for (let i = 0; i < 2000; i++) kept.push({ i, text: "kept" + i }); }',
        'process.on("SIGUSR2", () => { started = true; });',
        'process.stderr.write("ready\\n");',
        'setInterval(() => { churn(); if (started && kept.length < 20000) keep(); }, 1);',
      ].join('\n'),
    );
    const { child, url } = await startInspected(script, 'ready');
    try {
      const { result, heapUsedAfterGcBytes } = await withKeptProfile(dir, 'keep', url, async () => {
        child.kill('SIGUSR2');
        await new Promise((resolve) => setTimeout(resolve, 500));
        return 'filled';
      });
      assert.equal(result, 'filled');
      assert.ok(typeof heapUsedAfterGcBytes === 'number' && heapUsedAfterGcBytes > 1_000_000, `heap after the collection: ${heapUsedAfterGcBytes}`);
      const functions = allocationsOf(JSON.parse(readFileSync(join(dir, 'keep.heapprofile'), 'utf8')) as SamplingHeapProfile).functions;
      const bytesOf = (name: string) => functions.find((f) => f.name.startsWith(`${name} `))?.bytes ?? 0;
      assert.ok(bytesOf('keep') > 500_000, `what keep() made is alive: ${bytesOf('keep')} bytes`);
      assert.ok(bytesOf('churn') < bytesOf('keep') / 10, `churn's garbage is not in the profile: ${bytesOf('churn')} bytes`);
    } finally {
      child.kill();
    }
  });

  test('survivors mode: what a young collection did not free — objects kept a while stay, young garbage goes', async () => {
    // churn() makes garbage that dies at once; linger() makes objects kept 300 ms, then dropped.
    const script = join(dir, 'linger.mjs');
    writeFileSync(
      script,
      [
        'let lingering = [];',
        'function churn() { const garbage = []; for (let i = 0; i < 2000; i++) garbage.push({ i, text: "z" + i }); return garbage.length; }',
        'function linger() { const made = []; for (let i = 0; i < 200; i++) made.push({ i, text: "l" + i }); lingering.push(made); }',
        'setInterval(churn, 1);',
        'setInterval(linger, 10);',
        'setInterval(() => { lingering = []; }, 300);',
      ].join('\n'),
    );
    const { child, url } = await startInspected(script);
    const second = () => new Promise((resolve) => setTimeout(resolve, 1000));
    const bytesIn = (key: string) => {
      const functions = allocationsOf(JSON.parse(readFileSync(join(dir, `${key}.heapprofile`), 'utf8')) as SamplingHeapProfile).functions;
      return (name: string) => functions.find((f) => f.name.startsWith(`${name} `))?.bytes ?? 0;
    };
    try {
      await withAllocationProfile(dir, 'linger-all', url, second);
      await withAllocationProfile(dir, 'linger-survivors', url, second, { survivors: true });
      const all = bytesIn('linger-all');
      const survivors = bytesIn('linger-survivors');
      // A full collection also frees the young garbage it finds: a little of churn's stays (under 1 % in runs).
      assert.ok(survivors('churn') < all('churn') / 20, `churn's young garbage left out: ${survivors('churn')} of ${all('churn')} bytes`);
      assert.ok(survivors('linger') > all('linger') / 2, `what linger() kept a while is in: ${survivors('linger')} of ${all('linger')} bytes`);
    } finally {
      child.kill();
    }
  });

  test('a process gone before the profile is taken: an error naming the inspector, not a wait for ever', { timeout: 20_000 }, async () => {
    const script = join(dir, 'idle.mjs');
    writeFileSync(script, 'setInterval(() => {}, 1000);\n');
    const { child, url } = await startInspected(script);
    try {
      await assert.rejects(
        withKeptProfile(dir, 'gone', url, async () => {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          await exited;
          await new Promise((resolve) => setTimeout(resolve, 100));
          return 'measured';
        }),
        /alloc-sampler: the inspector at ws:\/\/127\.0\.0\.1:\d+\/\S+ (closed the connection|is closed)/,
      );
    } finally {
      child.kill();
    }
  });

  test('without a folder or an inspector, only measures', async () => {
    assert.equal(await withAllocationProfile(undefined, 'x', 'ws://127.0.0.1:1/none', async () => 7), 7);
    assert.equal(await withAllocationProfile(dir, 'x', undefined, async () => 8), 8);
    assert.deepEqual(await withKeptProfile(undefined, 'x', 'ws://127.0.0.1:1/none', async () => 9), { result: 9 });
  });
});

describe('npm run bench -- --alloc-profile', () => {
  test('takes a folder, for one gateway process and one baseline process', () => {
    assert.equal((parseBenchOptions(['--alloc-profile', '/tmp/a']) as BenchOptions).allocProfileDir, '/tmp/a');
    assert.equal((parseBenchOptions([]) as BenchOptions).allocProfileDir, undefined);
    assert.equal((parseBenchOptions(['--alloc-profile', '/tmp/a']) as BenchOptions).allocSurvivors, false);
    assert.equal((parseBenchOptions(['--alloc-profile', '/tmp/a', '--alloc-survivors']) as BenchOptions).allocSurvivors, true);
    assert.throws(
      () => parseBenchOptions(['--alloc-survivors']),
      (err: Error) => err instanceof BenchOptionError && /--alloc-survivors: a mode of --alloc-profile DIR, which is missing/.test(err.message),
    );
    for (const argv of [
      ['--alloc-profile', '/tmp/a', '--instances', '2'],
      ['--alloc-profile', '/tmp/a', '--scaling', '1,2'],
    ]) {
      assert.throws(
        () => parseBenchOptions(argv),
        (err: Error) => err instanceof BenchOptionError && /--alloc-profile: one gateway process and one baseline process only/.test(err.message),
      );
    }
  });
});
