/**
 * The bench's gateway runs with the node options of `npm start` (bench/start-script.ts reads
 * them from package.json's start script) unless `--gateway-node-options` gives others; and
 * `npm run bench:memory` is the ordinary bench with its options, not code of its own.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BenchOptionError, parseBenchOptions, type BenchOptions } from '../../bench/options.ts';
import { nodeOptionsOfStartScript, startNodeOptions, StartScriptError } from '../../bench/start-script.ts';

const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
const parsed = (argv: string[]) => parseBenchOptions(argv) as BenchOptions;

describe('the node options of npm start (bench/start-script.ts)', () => {
  it('are the words between node and src/main.ts of the start script', () => {
    assert.deepEqual(nodeOptionsOfStartScript('node src/main.ts'), []);
    assert.deepEqual(nodeOptionsOfStartScript('node --max-semi-space-size=16 --max-old-space-size=1024 src/main.ts'), [
      '--max-semi-space-size=16',
      '--max-old-space-size=1024',
    ]);
    assert.deepEqual(startNodeOptions(), scripts.start!.trim().split(/\s+/).slice(1, -1));
  });

  it('refuse a start script of another shape, saying which shape they expect', () => {
    for (const script of ['', 'node', 'tsx src/main.ts', 'node src/other.ts', 'node 1024 src/main.ts', 'NODE_OPTIONS=x node src/main.ts']) {
      assert.throws(
        () => nodeOptionsOfStartScript(script),
        (err: Error) => err instanceof StartScriptError && /expected "node \[--option …\] src\/main\.ts"/.test(err.message),
      );
    }
  });
});

describe('npm run bench -- --gateway-node-options', () => {
  it("defaults to npm start's (undefined: the stack reads the start script)", () => {
    assert.equal(parsed([]).gatewayNodeOptions, undefined);
  });

  it('takes options as one argument after the flag (even though they start with a dash), after =, or none with ""', () => {
    assert.deepEqual(parsed(['--gateway-node-options', '--max-old-space-size=1024 --max-semi-space-size=16']).gatewayNodeOptions, [
      '--max-old-space-size=1024',
      '--max-semi-space-size=16',
    ]);
    assert.deepEqual(parsed(['--gateway-node-options=--max-semi-space-size=8']).gatewayNodeOptions, ['--max-semi-space-size=8']);
    assert.deepEqual(parsed(['--gateway-node-options', '']).gatewayNodeOptions, []);
  });

  it('refuses what is not a node option, naming it', () => {
    assert.throws(
      () => parseBenchOptions(['--gateway-node-options', '--max-old-space-size=1024 src/main.ts']),
      (err: Error) => err instanceof BenchOptionError && err.message.includes('got "src/main.ts"'),
    );
  });
});

describe('npm run bench:memory', () => {
  it('is the bench with its own options: 100,000 sessions filled first, then the load', () => {
    const [node, script, ...argv] = scripts['bench:memory']!.split(' ');
    assert.equal(`${node} ${script}`, 'node bench/run.ts');
    const options = parsed(argv);
    assert.equal(options.sessions, 100_000);
    assert.equal(options.sessionsFirst, true);
    assert.equal(options.gatewayNodeOptions, undefined, "the gateway runs with npm start's options");
  });

  it('refuses --sessions-first in a scaling run, which fills no sessions', () => {
    assert.throws(() => parseBenchOptions(['--sessions-first', '--scaling', '1,2']), BenchOptionError);
  });
});
