/**
 * bench/report.ts on (a½): the half-load latency target also gives the bare provider's p99 at
 * the same offered rate (is a miss the gateway's or the machine's?), and the "vs baseline"
 * column stays empty for a row at an offered rate, where both stacks serve the same throughput
 * (a throughput ratio there would read about 1 whatever each costs).
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { checkTargets, renderReport, type BenchResults, type ScenarioFigures } from '../../bench/report.ts';
import { scenarioFigures as figures } from '../support/scenario-figures.ts';

const scenarios: Record<string, ScenarioFigures> = {
  a: figures({ perSecond: 886 }),
  'a-baseline': figures({ stack: 'baseline', perSecond: 1974 }),
  'a-half': figures({ perSecond: 443, offeredRate: 443, latencyMs: { p50: 5.6, p99: 82, max: 95 }, cpuMsPerUnit: 2.2 }),
  'a-half-baseline': figures({ stack: 'baseline', perSecond: 443, offeredRate: 443, latencyMs: { p50: 2.4, p99: 31.5, max: 40 }, cpuMsPerUnit: 0.9 }),
};

test('the half-load target names the bare provider’s p99 at the same rate, and is judged on the gateway’s', () => {
  const check = checkTargets({ scenarios } as unknown as Omit<BenchResults, 'targets'>).find((c) => c.target.startsWith('token endpoint p99'))!;
  assert.equal(check.measured, '82 ms at 443/s (bare provider at the same rate: 31.5 ms)');
  assert.equal(check.met, false);
});

test('rows at an offered rate have no throughput ratio; the others keep theirs', () => {
  const results = {
    date: '2026-12-06T00:00:00Z',
    machine: { cpus: 2, cpuModel: 'test', memoryGiB: 24, node: 'v24', redis: '7' },
    options: { instances: 1, quick: false, gatewayNodeOptions: undefined, sessionsFirst: false },
    gatewayNodeOptions: [],
    gatewayRssPeakBytes: 0,
    scenarios,
    targets: [],
  } as unknown as BenchResults;
  const rows = renderReport(results)
    .split('\n')
    .filter((line) => line.startsWith('| (a'));
  const last = (row: string) => row.split('|').at(-2)!.trim();
  assert.deepEqual(
    rows.map((row) => [row.split('|')[1]!.trim(), row.split('|')[2]!.trim(), last(row)]),
    [
      ['(a) refresh_token grant, rotation', 'gateway', '0.45'],
      ['(a) refresh_token grant, rotation', 'baseline', ''],
      ['(a½) refresh_token at half of max', 'gateway', ''],
      ['(a½) refresh_token at half of max', 'baseline', ''],
    ],
  );
});
