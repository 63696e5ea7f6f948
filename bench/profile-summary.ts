/**
 * Where the gateway's CPU went, from a V8 CPU profile (`npm run bench -- --profile DIR`
 * writes one when the gateway stops): self time by package (node_modules/<name>, our src/
 * folders, node's internals) and the functions with the most self time.
 *
 *   node bench/profile-summary.ts DIR/gateway-1.cpuprofile [--top 30]
 *   node bench/profile-summary.ts DIR/gateway-1.cpuprofile --results OUT.json --scenario b
 *
 * With --results (the bench's JSON) and --scenario (a key of its scenarios: b, b-baseline, e…),
 * only the samples taken while that scenario ran count: the bench records each scenario's
 * window on the monotonic clock V8 times its samples with. Compare DIR/gateway-1.cpuprofile
 * over `b` with DIR/baseline-1.cpuprofile over `b-baseline`.
 */
import { readJson, runSummaryCommand, scenarioFigure, SummaryInputError } from './summary-input.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** µs of the monotonic clock. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Package a script belongs to: `oidc-provider`, `src/interactions`, `node:internal`, … */
export function packageOf(url: string): string {
  if (!url) return '(native / GC / idle)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const ours = /\/(src|bench|test)\/([^/]+)\//.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  if (url.startsWith('node:')) return url.split('/')[0]!;
  return url.replace(/^file:\/\//, '');
}

/** A function as the summaries list it: its name, then its file's last two path parts and line. */
export function frameLabel({ functionName, url, lineNumber }: ProfileNode['callFrame']): string {
  return `${functionName || '(anonymous)'} ${url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : ''}`.trim();
}

/** Self time by node, of the samples within [from, to] µs (all when no window). */
export function summarise(profile: CpuProfile, window?: readonly [number, number]) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at < window[0] || at > window[1])) return;
    self.set(id, (self.get(id) ?? 0) + delta);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, micros] of self) {
    const node = byId.get(id)!;
    const { functionName, url } = node.callFrame;
    const pkg = functionName === '(idle)' ? '(idle)' : functionName === '(garbage collector)' ? '(garbage collector)' : packageOf(url);
    packages.set(pkg, (packages.get(pkg) ?? 0) + micros);
    const name = frameLabel(node.callFrame);
    functions.set(name, (functions.get(name) ?? 0) + micros);
  }
  const sorted = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).map(([name, micros]) => ({ name, ms: Math.round(micros / 1000), share: Math.round((micros / total) * 1000) / 10 }));
  return { totalMs: Math.round(total / 1000), packages: sorted(packages), functions: sorted(functions) };
}

const USAGE = 'usage: node bench/profile-summary.ts FILE.cpuprofile [--top N] [--results OUT.json --scenario KEY]';

function asProfile(data: unknown, file: string): CpuProfile {
  const p = data as Partial<CpuProfile> | null;
  if (!p || !Array.isArray(p.nodes) || !Array.isArray(p.samples) || !Array.isArray(p.timeDeltas) || typeof p.startTime !== 'number') {
    throw new SummaryInputError(`${file} is not a V8 CPU profile (expected nodes, samples, timeDeltas and startTime: node --cpu-prof writes one)`);
  }
  return p as CpuProfile;
}

/** The command line: the summary on stdout; 0, or 2 with a message on stderr for bad input. */
export function main(argv: string[], out: (text: string) => void, err: (text: string) => void): number {
  return runSummaryCommand({ name: 'profile-summary', usage: USAGE, defaultTop: 30 }, { argv, out, err }, ({ file, top, results: resultsFile, scenario }) => {
    if (Boolean(resultsFile) !== Boolean(scenario)) throw new SummaryInputError('--results and --scenario go together');
    const window =
      resultsFile && scenario
        ? scenarioFigure(resultsFile, scenario, 'monotonicUs', 'window', (value): value is [number, number] => Array.isArray(value) && value.length === 2)
        : undefined;
    const summary = summarise(asProfile(readJson(file, 'profile'), file), window);
    out(
      `total ${summary.totalMs} ms of samples${window ? ` while ${scenario} ran (${Math.round((window[1] - window[0]) / 1000)} ms)` : ''}\n\nby package (self time):\n`,
    );
    for (const p of summary.packages.slice(0, top)) out(`  ${String(p.share).padStart(5)} %  ${String(p.ms).padStart(7)} ms  ${p.name}\n`);
    out('\nby function (self time):\n');
    for (const f of summary.functions.slice(0, top)) out(`  ${String(f.share).padStart(5)} %  ${String(f.ms).padStart(7)} ms  ${f.name}\n`);
  });
}

if (import.meta.main) {
  process.exitCode = main(
    process.argv.slice(2),
    (text) => process.stdout.write(text),
    (text) => process.stderr.write(text),
  );
}
