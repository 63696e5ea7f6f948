/**
 * Where the gateway's CPU went, from a V8 CPU profile (`npm run bench -- --profile DIR`
 * writes one when the gateway stops): self time by package (node_modules/<name>, our src/
 * folders, node's internals) and the functions with the most self time.
 *
 *   node bench/profile-summary.ts DIR/CPU.<…>.cpuprofile [--top 30]
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

export function summarise(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
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
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' } } });
  if (positionals.length !== 1) {
    process.stderr.write('usage: node bench/profile-summary.ts FILE.cpuprofile [--top N]\n');
    process.exit(2);
  }
  const summary = summarise(JSON.parse(readFileSync(positionals[0]!, 'utf8')) as CpuProfile);
  const top = Number(values.top);
  process.stdout.write(`total ${summary.totalMs} ms of samples\n\nby package (self time):\n`);
  for (const p of summary.packages.slice(0, top)) process.stdout.write(`  ${String(p.share).padStart(5)} %  ${String(p.ms).padStart(7)} ms  ${p.name}\n`);
  process.stdout.write('\nby function (self time):\n');
  for (const f of summary.functions.slice(0, top)) process.stdout.write(`  ${String(f.share).padStart(5)} %  ${String(f.ms).padStart(7)} ms  ${f.name}\n`);
}
