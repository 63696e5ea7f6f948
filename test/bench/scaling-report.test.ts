/**
 * bench/scaling.ts's second table: per step, the latency at half load (a½) and the first
 * sign-ins through PSC (f) with their errors (of the journeys tried: completed and failed), which the main table leaves out (the scaling run
 * on 2 cores: a½ refused everything with several load processes, f lost sign-ins to PSC's late
 * answers; neither showed in the report). Read from the results the scaling run writes.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import type { ScenarioFigures } from '../../bench/report.ts';
import { scenarioFigures as figures } from '../support/scenario-figures.ts';
import { renderScalingExtras, type ScalingStep } from '../../bench/scaling.ts';

function step(instances: number, cluster: boolean, scenarios: Record<string, ScenarioFigures>): ScalingStep {
  return { instances, cluster, results: { scenarios } as unknown as ScalingStep['results'] };
}

test('one row per step: a½ at its offered rate with its latencies and errors and the bare provider at the same rate, f with its errors and the first ones named', () => {
  const table = renderScalingExtras([
    step(1, false, {
      'a-half': figures({
        perSecond: 442.8,
        offeredRate: 443,
        latencyMs: { p50: 5.6, p99: 82, max: 90 },
        cpuMsPerUnit: 2.219,
        redisCommands: { perUnit: 25.5, byCommand: {} },
      }),
      'a-half-baseline': figures({ stack: 'baseline', perSecond: 443, offeredRate: 443, latencyMs: { p50: 2.1, p99: 31.5, max: 40 }, cpuMsPerUnit: 0.9 }),
      f: figures({ perSecond: 59.8, count: 1000, latencyMs: { p50: 394.4, p99: 641, max: 700 } }),
    }),
    step(8, true, {
      'a-half': figures({ perSecond: 0, offeredRate: 319, errors: 2632, latencyMs: { p50: 194.4, p99: 802.3, max: 900 } }),
      f: figures({
        perSecond: 35.2,
        count: 982,
        errors: 18,
        errorSamples: ['GET 127.0.0.1:1/auth: read ECONNRESET', 'after PSC: HTTP 503 from /federation/psc/callback — <html lang="fr"> | a pipe'],
      }),
    }),
  ]).split('\n');
  assert.equal(table.length, 4, 'a header, its rule and one row per step');
  assert.equal(table[2], '| 1 | one node | 443 | 5.6 | 82 | 2.219 | 25.5 | 0 | 31.5 · 0.9 | 59.8 | 394.4 | 0 of 1000 |  |');
  assert.match(table[3]!, /^\| 8 \| Cluster \(3 masters\) \| 319 \| 194\.4 \| 802\.3 \| {2}\| 0 \| 2632 \| {2}\| 35\.2 \| 0 \| 18 of 1000 \| /);
  assert.match(
    table[3]!,
    /GET 127\.0\.0\.1:1\/auth: read ECONNRESET · after PSC: HTTP 503 from \/federation\/psc\/callback — <html lang="fr"> \\\| a pipe \|$/,
  );
  // Every row has as many cells as the header: a | in an error sample is escaped.
  const cells = (row: string) => row.split(/(?<!\\)\|/).length;
  for (const row of table) assert.equal(cells(row), cells(table[0]!), row);
});

test('a step without (a½) (the scenario did not run) leaves its cells empty', () => {
  const [, , row] = renderScalingExtras([step(2, false, { f: figures({ perSecond: 65.4, count: 1000 }) })]).split('\n');
  assert.equal(row, '| 2 | one node |  |  |  |  |  |  |  | 65.4 | 0 | 0 of 1000 |  |');
});
