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
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

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
    const { functionName, url, lineNumber } = node.callFrame;
    const pkg = functionName === '(idle)' ? '(idle)' : functionName === '(garbage collector)' ? '(garbage collector)' : packageOf(url);
    packages.set(pkg, (packages.get(pkg) ?? 0) + micros);
    const name = `${functionName || '(anonymous)'} ${url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : ''}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + micros);
  }
  const sorted = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).map(([name, micros]) => ({ name, ms: Math.round(micros / 1000), share: Math.round((micros / total) * 1000) / 10 }));
  return { totalMs: Math.round(total / 1000), packages: sorted(packages), functions: sorted(functions) };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '30' }, results: { type: 'string' }, scenario: { type: 'string' } },
  });
  const usage = 'usage: node bench/profile-summary.ts FILE.cpuprofile [--top N] [--results OUT.json --scenario KEY]\n';
  if (positionals.length !== 1 || Boolean(values.results) !== Boolean(values.scenario)) {
    process.stderr.write(usage);
    process.exit(2);
  }
  let window: [number, number] | undefined;
  if (values.results && values.scenario) {
    const results = JSON.parse(readFileSync(values.results, 'utf8')) as { scenarios?: Record<string, { monotonicUs?: [number, number] }> };
    window = results.scenarios?.[values.scenario]?.monotonicUs;
    if (!window) {
      process.stderr.write(
        `profile-summary: no window for scenario "${values.scenario}" in ${values.results} (scenarios: ${Object.keys(results.scenarios ?? {}).join(', ')})\n`,
      );
      process.exit(2);
    }
  }
  const summary = summarise(JSON.parse(readFileSync(positionals[0]!, 'utf8')) as CpuProfile, window);
  const top = Number(values.top);
  process.stdout.write(
    `total ${summary.totalMs} ms of samples${window ? ` while ${values.scenario} ran (${Math.round((window[1] - window[0]) / 1000)} ms)` : ''}\n\nby package (self time):\n`,
  );
  for (const p of summary.packages.slice(0, top)) process.stdout.write(`  ${String(p.share).padStart(5)} %  ${String(p.ms).padStart(7)} ms  ${p.name}\n`);
  process.stdout.write('\nby function (self time):\n');
  for (const f of summary.functions.slice(0, top)) process.stdout.write(`  ${String(f.share).padStart(5)} %  ${String(f.ms).padStart(7)} ms  ${f.name}\n`);
}
