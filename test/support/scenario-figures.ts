/** A scenario's figures as the bench records them (bench/report.ts), all zero but what a test sets: for tests of the bench's reports. */
import type { ScenarioFigures } from '../../bench/report.ts';

export function scenarioFigures(over: Partial<ScenarioFigures>): ScenarioFigures {
  return {
    stack: 'gateway',
    perSecond: 0,
    count: 0,
    errors: 0,
    errorSamples: [],
    latencyMs: { p50: 0, p99: 0, max: 0 },
    seconds: 8,
    cpu: {},
    redisCommands: { perUnit: 0, byCommand: {} },
    ...over,
  };
}
