/**
 * What was allocated per request or journey, by package, from a sampling heap profile that
 * `npm run bench -- --alloc-profile DIR` took during one scenario (alloc-sampler.ts):
 *
 *   node bench/alloc-summary.ts DIR/b.heapprofile --results OUT.json --scenario b
 *   node bench/alloc-summary.ts DIR/b-baseline.heapprofile --results OUT.json --scenario b-baseline
 *
 * Each allocation counts for the nearest frame with a script (a builtin such as Object.entries
 * counts for its caller), grouped as profile-summary.ts groups CPU time: node_modules/<name>, our
 * src/ folders, node's internals. The scenario's count (requests or journeys) in the results
 * turns bytes into KiB per unit. The allocation rate is what the garbage collector works
 * through: compare the gateway's profile with the baseline's of the same run.
 *
 *   node bench/alloc-summary.ts DIR/fill-kept.heapprofile --results OUT.json --scenario fill-kept
 *
 * reads the other kind of profile (--sessions-first): what the session fill left alive in the
 * gateway after a full collection, per sign-in of the fill — what grows with the sessions held.
 * A run with --alloc-survivors has profiles of what outlived a young collection (the results
 * say so; the headline follows): what the old generation receives, that full collections free.
 */
import { readJson, runSummaryCommand, scenarioFigure, SummaryInputError } from './summary-input.ts';
import { frameLabel, packageOf } from './profile-summary.ts';
import type { HeapProfileNode, SamplingHeapProfile } from './alloc-sampler.ts';

/** Bytes allocated by package and by function (the nearest frame with a script). */
export function allocationsOf(profile: SamplingHeapProfile) {
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  const visit = (node: HeapProfileNode, owner: HeapProfileNode | undefined) => {
    const own = node.callFrame.url ? node : owner;
    if (node.selfSize > 0) {
      total += node.selfSize;
      const pkg = own ? packageOf(own.callFrame.url) : '(native)';
      packages.set(pkg, (packages.get(pkg) ?? 0) + node.selfSize);
      const name = own ? frameLabel(own.callFrame) : '(native)';
      functions.set(name, (functions.get(name) ?? 0) + node.selfSize);
    }
    for (const child of node.children) visit(child, own);
  };
  visit(profile.head, undefined);
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([name, bytes]) => ({ name, bytes }));
  return { total, packages: sorted(packages), functions: sorted(functions) };
}

const USAGE = 'usage: node bench/alloc-summary.ts FILE.heapprofile --results OUT.json --scenario KEY [--top N]';

/** The fill's profile of what it left alive (--sessions-first): its units are the fill's sign-ins. */
const FILL_KEPT = 'fill-kept';

function fillSignIns(resultsFile: string): number {
  const results = readJson(resultsFile, 'bench results') as { sessions?: { signIns?: unknown } } | null;
  const signIns = results?.sessions?.signIns;
  if (typeof signIns !== 'number' || signIns < 1) throw new SummaryInputError(`no sign-ins of a session fill in ${resultsFile} (run with --sessions-first)`);
  return signIns;
}

/** Whether the run's profiles were taken with --alloc-survivors (only what outlived a young collection). */
function survivorsRun(resultsFile: string): boolean {
  const results = readJson(resultsFile, 'bench results') as { options?: { allocSurvivors?: unknown } } | null;
  return results?.options?.allocSurvivors === true;
}

function asProfile(data: unknown, file: string): SamplingHeapProfile {
  const head = (data as Partial<SamplingHeapProfile> | null)?.head;
  if (!head || typeof head.selfSize !== 'number' || !Array.isArray(head.children) || !head.callFrame) {
    throw new SummaryInputError(`${file} is not a sampling heap profile (expected head with callFrame, selfSize and children: --alloc-profile writes one)`);
  }
  return data as SamplingHeapProfile;
}

const kib = (bytes: number, units: number) => (bytes / units / 1024).toFixed(2);

/** The command line: the summary on stdout; 0, or 2 with a message on stderr for bad input. */
export function main(argv: string[], out: (text: string) => void, err: (text: string) => void): number {
  return runSummaryCommand({ name: 'alloc-summary', usage: USAGE, defaultTop: 25 }, { argv, out, err }, ({ file, top, results: resultsFile, scenario }) => {
    if (!resultsFile || !scenario) throw new SummaryInputError("--results and --scenario are needed (the scenario's count turns bytes into KiB per unit)");
    const count =
      scenario === FILL_KEPT
        ? fillSignIns(resultsFile)
        : scenarioFigure(resultsFile, scenario, 'count', 'count', (value): value is number => typeof value === 'number' && value >= 1);
    const summary = allocationsOf(asProfile(readJson(file, 'profile'), file));
    const what = scenario === FILL_KEPT ? 'kept alive' : survivorsRun(resultsFile) ? 'survived a young collection' : 'allocated';
    out(
      `${kib(summary.total, count)} KiB ${what} per unit of ${scenario} (${count} units, ${(summary.total / 2 ** 20).toFixed(1)} MiB sampled)\n\nby package:\n`,
    );
    for (const p of summary.packages.slice(0, top)) out(`  ${kib(p.bytes, count).padStart(7)} KiB  ${p.name}\n`);
    out('\nby function:\n');
    for (const f of summary.functions.slice(0, top)) out(`  ${kib(f.bytes, count).padStart(7)} KiB  ${f.name}\n`);
  });
}

if (import.meta.main)
  process.exitCode = main(
    process.argv.slice(2),
    (t) => process.stdout.write(t),
    (t) => process.stderr.write(t),
  );
