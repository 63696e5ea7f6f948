/**
 * The scaling run (`npm run bench -- --scaling 1,2,4,8`): its steps (process counts, with
 * connections, virtual users and load processes growing with them, and one step against a
 * three-master Redis Cluster), and its report: per step and scenario the throughput of the
 * gateway and of the baseline, how much of linear growth each step keeps, CPU per request,
 * Redis CPU and commands, and what most likely stopped the growth.
 */
import { cpus } from 'node:os';
import type { BenchOptions } from './options.ts';
import type { BenchResults, ScenarioFigures } from './report.ts';

export interface ScalingStep {
  instances: number;
  cluster: boolean;
  results: BenchResults;
}

/** The steps to run, each with the options it runs with. */
export function scalingSteps(opts: BenchOptions): Array<{ instances: number; cluster: boolean; options: BenchOptions }> {
  const plan = [
    ...opts.scaling.map((n) => ({ instances: n, cluster: false })),
    ...(opts.scalingCluster > 0 ? [{ instances: opts.scalingCluster, cluster: true }] : []),
  ];
  return plan.map(({ instances, cluster }) => {
    const users = opts.users * instances;
    return {
      instances,
      cluster,
      options: {
        ...opts,
        instances,
        connections: opts.connections * instances,
        users,
        clinicians: Math.max(opts.clinicians, users),
        // One load process per two gateway processes (the load generator must not be the limit).
        loadWorkers: Math.max(opts.loadWorkers, Math.ceil(instances / 2)),
        sessions: 0,
      },
    };
  });
}

const SCENARIOS: Array<[string, string]> = [
  ['a', 'refresh'],
  ['b', 'client_credentials'],
  ['c', 'introspection'],
  ['d', 'userinfo'],
  ['e', 'sign-in (complete)'],
];

/**
 * What most likely limits a step: Redis (one thread per node) near a full core; the load
 * generator near its processes' cores; the stack near its processes' cores; else the machine's
 * cores all busy (/proc/stat: anything else running counts); else latency (round trips: more
 * connections would help).
 */
export function limitOf(s: ScenarioFigures, instances: number, loadProcesses: number, redisNodes: number): string {
  const redis = s.cpu.redis ?? 0;
  const stack = s.cpu[s.stack] ?? 0;
  const load = s.cpu['load generator'] ?? 0;
  const machine = s.cpu.machine ?? 0;
  if (redis / redisNodes >= 85) return 'Redis CPU';
  if (load >= 85 * loadProcesses) return 'load generator';
  if (stack >= 85 * instances) return `${s.stack} CPU`;
  if (machine >= 85 * cpus().length) return `machine cores (${machine} % busy, other work included)`;
  return 'none saturated (round trips)';
}

export function renderScaling(steps: ScalingStep[]): string {
  const lines = [
    '| Processes | Redis | Scenario | Gateway /s | vs 1 process | Baseline /s | Gateway / baseline | Gateway CPU ms / unit | Redis CPU % | Redis cmds / unit | Redis round trips / unit | Load gen CPU % | Limited by |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  const first = steps.find((s) => s.instances === Math.min(...steps.map((x) => x.instances)) && !s.cluster);
  for (const step of steps) {
    const sc = step.results.scenarios;
    for (const [letter, name] of SCENARIOS) {
      const g = sc[letter];
      if (!g) continue;
      const b = sc[`${letter}-baseline`];
      const base = first?.results.scenarios[letter]?.perSecond;
      const growth = base
        ? `${Math.round((g.perSecond / base) * 10) / 10}× (${Math.round((g.perSecond / (base * (step.instances / (first?.instances ?? 1)))) * 100)} % of linear)`
        : '';
      const loadProcesses = letter === 'e' ? 1 : step.results.options.loadWorkers;
      lines.push(
        `| ${step.instances} | ${step.cluster ? 'Cluster (3 masters)' : 'one node'} | ${name} | ${g.perSecond.toLocaleString('en')} | ${growth} | ${b ? b.perSecond.toLocaleString('en') : ''} | ${b ? Math.round((g.perSecond / b.perSecond) * 100) / 100 : ''} | ${g.cpuMsPerUnit ?? '?'} | ${g.cpu.redis ?? '?'} | ${g.redisCommands.perUnit} | ${g.redisCommands.roundTripsPerUnit ?? '?'} | ${g.cpu['load generator'] ?? '?'} | ${limitOf(g, step.instances, loadProcesses, step.cluster ? 3 : 1)} |`,
      );
    }
  }
  return lines.join('\n');
}

/**
 * Per step, what the main table leaves out: the token endpoint's latency at half of the step's
 * maximum refresh throughput (a½), and the bare provider's at the same rate, and the first sign-ins through PSC (f) with their errors,
 * the first distinct ones named (a saturated machine shows there first: PSC's answers late).
 */
export function renderScalingExtras(steps: ScalingStep[]): string {
  const lines = [
    '| Processes | Redis | (a½) offered /s | (a½) p50 ms | (a½) p99 ms | (a½) gateway CPU ms / refresh | (a½) Redis cmds | (a½) errors | (a½) bare p99 ms · CPU ms | (f) /s | (f) p50 ms | (f) errors | (f) first errors |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 160);
  for (const step of steps) {
    const half = step.results.scenarios['a-half'];
    const bare = step.results.scenarios['a-half-baseline'];
    const first = step.results.scenarios.f;
    const cells = [
      step.instances,
      step.cluster ? 'Cluster (3 masters)' : 'one node',
      half ? (half.offeredRate ?? half.perSecond).toLocaleString('en') : '',
      half?.latencyMs.p50 ?? '',
      half?.latencyMs.p99 ?? '',
      half?.cpuMsPerUnit ?? '',
      half?.redisCommands.perUnit ?? '',
      half?.errors ?? '',
      bare ? `${bare.latencyMs.p99} · ${bare.cpuMsPerUnit ?? '?'}` : '',
      first ? first.perSecond.toLocaleString('en') : '',
      first?.latencyMs.p50 ?? '',
      first ? `${first.errors} of ${first.count + first.errors}` : '', // count: the journeys completed
      first ? first.errorSamples.slice(0, 2).map(cell).join(' · ') : '',
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
