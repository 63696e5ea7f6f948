/**
 * Scenarios (a)–(d) spread over several load processes, so that the load generator is not what
 * limits a gateway with many processes: each worker (this file run as a script) runs autocannon
 * with its share of the connections and of the token pools, and prints its result and its own
 * CPU time as one JSON line; the results are summed (throughput, requests, errors) and the
 * latencies taken from the slowest worker (p50 and p99 of the worst: an upper bound).
 *
 * Refresh tokens rotate: each worker sends back what is left of its share of the pool (the ends
 * of its chains), and the target's pool becomes theirs, as it does when the run is in this
 * process, so that the next run (a½ after a) goes on from them instead of sending spent tokens.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runEndpoint, type EndpointResult, type EndpointRun, type EndpointScenario, type EndpointTarget } from './endpoints.ts';

interface Job {
  scenario: EndpointScenario;
  target: EndpointTarget;
  run: EndpointRun;
}

/** What a worker prints: its result and the CPU seconds it used. */
interface WorkerAnswer {
  result: EndpointResult;
  cpuSeconds: number;
  /** What is left of the worker's refresh token pool: the ends of its chains. */
  refreshTokens: string[];
}

export interface SpreadResult extends EndpointResult {
  /** CPU seconds the workers used (the load generator's share in the CPU figures). */
  workerCpuSeconds: number;
}

/** Runs the scenario in `workers` processes (1 = in this process, as before). */
export async function runEndpointSpread(scenario: EndpointScenario, target: EndpointTarget, run: EndpointRun, workers: number): Promise<SpreadResult> {
  if (workers <= 1) return { ...(await runEndpoint(scenario, target, run)), workerCpuSeconds: 0 };
  const share = <T>(items: T[], i: number) => items.filter((_, n) => n % workers === i);
  const jobs: Job[] = Array.from({ length: workers }, (_, i) => ({
    scenario,
    target: { ...target, refreshTokens: share(target.refreshTokens, i), accessTokens: share(target.accessTokens, i) },
    run: {
      connections: Math.max(1, Math.round(run.connections / workers)),
      seconds: run.seconds,
      ...(run.overallRate ? { overallRate: run.overallRate / workers } : {}),
    },
  }));
  const answers = await Promise.all(jobs.map(runWorker));
  target.refreshTokens.splice(0, target.refreshTokens.length, ...answers.flatMap((a) => a.refreshTokens));
  const slowest = answers.reduce((a, b) => (b.result.latencyMs.p99 > a.result.latencyMs.p99 ? b : a));
  return {
    perSecond: Math.round(answers.reduce((sum, a) => sum + a.result.perSecond, 0) * 10) / 10,
    requests: answers.reduce((sum, a) => sum + a.result.requests, 0),
    errors: answers.reduce((sum, a) => sum + a.result.errors, 0),
    errorSamples: answers.flatMap((a) => a.result.errorSamples).slice(0, 5),
    latencyMs: slowest.result.latencyMs,
    seconds: Math.max(...answers.map((a) => a.result.seconds)),
    workerCpuSeconds: answers.reduce((sum, a) => sum + a.cpuSeconds, 0),
  };
}

function runWorker(job: Job): Promise<WorkerAnswer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        const answer = JSON.parse(line) as WorkerAnswer;
        if (!Array.isArray(answer.refreshTokens)) throw new Error('no refreshTokens in it');
        resolve(answer);
      } catch (err) {
        reject(new Error(`load worker: expected a JSON result line, got ${JSON.stringify(line.slice(0, 200))} (${(err as Error).message})`));
      }
    });
    child.stdin.end(JSON.stringify(job));
  });
}

if (import.meta.main) {
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const job = JSON.parse(input) as Job;
  const start = process.cpuUsage(); // the scenario's CPU only, not loading this script
  const result = await runEndpoint(job.scenario, job.target, job.run);
  const used = process.cpuUsage(start);
  const answer: WorkerAnswer = { result, cpuSeconds: (used.user + used.system) / 1e6, refreshTokens: job.target.refreshTokens };
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
