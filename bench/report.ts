/**
 * The bench's results: their JSON shape, the targets of issue 24 checked against them, and
 * the markdown report printed on stdout.
 */
import type { TraceSummary } from './redis-trace.ts';
import type { CommandFigures } from './redis-commands.ts';
import { cpus, totalmem } from 'node:os';
import { Redis } from 'ioredis';
import type { BenchOptions } from './options.ts';
import type { SessionFigures } from './sessions.ts';
import type { RefreshFootprint } from './refresh-footprint.ts';
import type { RssParts } from './process-stats.ts';

export interface ScenarioFigures {
  stack: 'gateway' | 'baseline';
  perSecond: number;
  /** Requests (a)–(d) or completed journeys (e), (f). */
  count: number;
  errors: number;
  errorSamples: string[];
  latencyMs: { p50: number; p99: number; max: number };
  seconds: number;
  /** CPU during the scenario, % of one core, per process. */
  cpu: Record<string, number>;
  /** CPU milliseconds of the stack's processes (gateway or baseline) per request or journey. */
  cpuMsPerUnit?: number | undefined;
  /** Peak resident memory of the stack's largest process during the scenario (sampled every 0.5 s), bytes. */
  rssPeakBytes?: number;
  /** Fixed offered rate (a½), requests per second. */
  offeredRate?: number;
  /** Redis commands per request or journey, in all and by command, and its round trips as Redis counts them (redis-commands.ts). */
  redisCommands: CommandFigures;
  /** When the scenario ran, µs of the monotonic clock V8's CPU profiles are timed with (profile-summary.ts --scenario). */
  monotonicUs?: [number, number];
}

export interface BenchResults {
  date: string;
  machine: Record<string, string | number>;
  options: BenchOptions;
  /** The node options the gateway ran with (`npm start`'s unless --gateway-node-options). */
  gatewayNodeOptions: string[];
  /** Peak resident memory of the largest gateway process over the whole run (every scenario and the session fill), bytes. */
  gatewayRssPeakBytes: number;
  /** What that peak was made of: pages mapped from files (node's code and data) and anonymous ones (V8 heap, allocator). */
  gatewayRssPeakParts?: RssParts | undefined;
  scenarios: Record<string, ScenarioFigures>;
  /** Absent in a scaling step (no session fill). */
  sessions?: SessionFigures | undefined;
  /** What each refresh of (a) left in Redis (absent without (a), and on a Cluster). */
  refreshLeaves?: RefreshFootprint | undefined;
  /** The targets of issue 24, checked. */
  targets: TargetCheck[];
  /** `--trace`: one passwordless sign-in's Redis commands by request. */
  trace?: TraceSummary | undefined;
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | 'not measured' | 'info';
}

const SESSIONS_FOR_RSS = 100_000;

export const TARGETS = {
  signInsPerSecond: 300,
  tokenP99AtHalfLoadMs: 50,
  ratioToBaseline: 0.85,
  sessionStateBytes: 2048,
  gatewayRssBytes: 250 * 1024 * 1024,
  /** Redis commands per unit, at most (INFO commandstats; commands inside Lua scripts count). */
  commands: { a: 24, b: 5, e: 60 } as Record<string, number>,
};

const LABELS: Record<string, string> = {
  a: '(a) refresh_token grant, rotation',
  'a-half': '(a½) refresh_token at half of max',
  b: '(b) client_credentials grant',
  c: '(c) introspection',
  d: '(d) userinfo',
  e: '(e) passwordless sign-in, complete',
  f: '(f) first sign-in via PSC + key enrolment',
};

export function ratio(results: Pick<BenchResults, 'scenarios'>, letter: string): number | undefined {
  const gateway = results.scenarios[letter]?.perSecond;
  const baseline = results.scenarios[`${letter}-baseline`]?.perSecond;
  return gateway !== undefined && baseline ? Math.round((gateway / baseline) * 100) / 100 : undefined;
}

export function checkTargets(results: Omit<BenchResults, 'targets'>): TargetCheck[] {
  const s = results.scenarios;
  const ratios = ['a', 'b', 'c', 'd'].map((l) => [l, ratio(results, l)] as const);
  const worst = Math.min(...ratios.map(([, r]) => r ?? 0));
  const sessions = results.sessions;
  const cpuRatios = ['a', 'b', 'c', 'd'].map((l) => {
    const g = s[l]?.cpuMsPerUnit;
    const b = s[`${l}-baseline`]?.cpuMsPerUnit;
    return `${l} ${g && b ? Math.round((b / g) * 100) / 100 : '?'}`;
  });
  const commandTargets: TargetCheck[] = Object.entries(TARGETS.commands).map(([l, max]) => ({
    target: `Redis commands per ${LABELS[l]?.replace(/^\([a-z]\) /, '') ?? l} <= ${max}`,
    measured: `${s[l]?.redisCommands.perUnit ?? '?'}`,
    met: s[l] ? s[l].redisCommands.perUnit <= max : 'not measured',
  }));
  const checks: TargetCheck[] = [
    {
      target: `(e) complete sign-ins >= ${TARGETS.signInsPerSecond}/s`,
      measured: `${s.e?.perSecond ?? 0}/s`,
      met: (s.e?.perSecond ?? 0) >= TARGETS.signInsPerSecond,
    },
    ...commandTargets,
    { target: 'CPU per request, baseline / gateway (1 = same cost; information, from /proc ticks)', measured: cpuRatios.join(', '), met: 'info' },
    {
      target: `token endpoint p99 < ${TARGETS.tokenP99AtHalfLoadMs} ms at half of max`,
      measured: `${s['a-half']?.latencyMs.p99 ?? '?'} ms at ${s['a-half']?.offeredRate ?? '?'}/s${s['a-half-baseline'] ? ` (bare provider at the same rate: ${s['a-half-baseline'].latencyMs.p99} ms)` : ''}`,
      met: (s['a-half']?.latencyMs.p99 ?? Infinity) < TARGETS.tokenP99AtHalfLoadMs,
    },
    {
      target: `gateway / baseline >= ${TARGETS.ratioToBaseline} for (a)–(d)`,
      measured: ratios.map(([l, r]) => `${l} ${r ?? '?'}`).join(', '),
      met: worst >= TARGETS.ratioToBaseline,
    },
  ];
  if (!sessions) return checks;
  const runPeak = Math.max(results.gatewayRssPeakBytes, sessions.gatewayRss.peakBytes);
  return [
    ...checks,
    {
      target: `Redis memory per active session <= ${TARGETS.sessionStateBytes} B`,
      measured: `${sessions.bytesPerSession.sessionState} B (all keys ${sessions.bytesPerSession.allKeys} B)`,
      met: sessions.bytesPerSession.sessionState <= TARGETS.sessionStateBytes,
    },
    {
      target: `gateway RSS <= ${mib(TARGETS.gatewayRssBytes)} MiB with ${SESSIONS_FOR_RSS.toLocaleString('en')} sessions`,
      measured: `${mib(runPeak)} MiB peak over the run (${mib(sessions.gatewayRss.peakBytes)} MiB during the fill) with ${sessions.sessions.toLocaleString('en')} sessions${results.options.sessionsFirst ? ', held during the load' : ''}`,
      met: sessions.sessions < SESSIONS_FOR_RSS ? 'not measured' : runPeak <= TARGETS.gatewayRssBytes,
    },
  ];
}

export function renderReport(results: BenchResults): string {
  const lines: string[] = [];
  const m = results.machine;
  lines.push(`## HospiConnect bench — ${results.date.slice(0, 10)}${results.options.quick ? ' (quick run: figures not meaningful)' : ''}`, '');
  const n = results.options.instances;
  lines.push(
    `${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, Redis ${m.redis}; gateway and baseline: ${n} process${n > 1 ? 'es' : ''} each on one port; load generator on the same machine.`,
    `Gateway: \`node ${[...results.gatewayNodeOptions, 'src/main.ts'].join(' ')}\`${results.options.gatewayNodeOptions ? ' (--gateway-node-options)' : ' (as npm start)'}; its RSS peaked at ${mib(results.gatewayRssPeakBytes)} MiB over the run${rssPartsText(results.gatewayRssPeakParts)}.${results.options.sessionsFirst ? ' Sessions filled first (--sessions-first): the scenarios ran with them held.' : ''}`,
    '',
  );
  lines.push(
    '| Scenario | Stack | Throughput /s | p50 ms | p99 ms | Errors | CPU % (stack · Redis · load gen) | CPU ms / unit | RSS MiB peak | Redis cmds | Redis round trips | vs baseline |',
  );
  lines.push('|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|');
  for (const [key, s] of Object.entries(results.scenarios)) {
    const letter = key.replace('-baseline', '');
    const cpu = `${s.cpu[s.stack] ?? '?'} · ${s.cpu.redis ?? '?'} · ${s.cpu['load generator'] ?? '?'}${s.cpu.psc !== undefined ? ` (PSC ${s.cpu.psc})` : ''}${s.cpu.machine !== undefined ? ` (machine ${s.cpu.machine})` : ''}`;
    // At an offered rate both stacks serve the same throughput: compare their latencies and CPU instead.
    const vs = s.stack === 'gateway' && !s.offeredRate && results.scenarios[`${letter}-baseline`] ? String(ratio(results, letter)) : '';
    const rate = s.offeredRate ? `${fmt(s.perSecond)} (offered ${fmt(s.offeredRate)})` : fmt(s.perSecond);
    lines.push(
      `| ${LABELS[letter] ?? letter} | ${s.stack} | ${rate} | ${s.latencyMs.p50} | ${s.latencyMs.p99} | ${s.errors} | ${cpu} | ${s.cpuMsPerUnit ?? '?'} | ${s.rssPeakBytes !== undefined ? mib(s.rssPeakBytes) : '?'} | ${s.redisCommands.perUnit} | ${s.redisCommands.roundTripsPerUnit ?? '?'} | ${vs} |`,
    );
  }
  if (results.trace) traceTable(lines, results.trace);
  if (results.refreshLeaves) refreshLine(lines, results.refreshLeaves);
  const x = results.sessions;
  if (!x) {
    targetTable(lines, results.targets);
    return lines.join('\n');
  }
  lines.push(
    '',
    `Sessions: ${x.sessions.toLocaleString('en')} held (${x.signIns.toLocaleString('en')} sign-ins at ${x.perSecond}/s to fill, ${x.cpuMsPerSignIn} ms of gateway CPU each, ${x.errors} errors).`,
  );
  lines.push(
    `Redis per session: ${x.bytesPerSession.sessionState} B of session state, ${x.bytesPerSession.allKeys} B counting every key (tokens, audit trail, pilot figures), used_memory grew ${x.bytesPerSession.usedMemoryGrowth} B per sign-in.`,
  );
  lines.push(
    `Gateway RSS (largest instance): ${mib(x.gatewayRss.beforeBytes)} MiB before, ${mib(x.gatewayRss.peakBytes)} MiB peak, ${mib(x.gatewayRss.afterBytes)} MiB after; V8 heap ${mib(x.gatewayHeap.usedBytes)} MiB used of ${mib(x.gatewayHeap.totalBytes)} MiB, ${mib(x.gatewayHeap.externalBytes)} MiB external${x.gatewayHeapAfterGcBytes === undefined ? '' : `; ${(x.gatewayHeapAfterGcBytes / 1048576).toFixed(1)} MiB in use after a full collection (what the fill left alive: fill-kept.heapprofile)`}.`,
    '',
  );
  lines.push('| Kind of key | Keys | Bytes | Bytes per session |', '|---|---:|---:|---:|');
  for (const [kind, k] of Object.entries(x.kinds).sort((a, b) => b[1].bytes - a[1].bytes)) {
    lines.push(`| ${kind} | ${k.keys.toLocaleString('en')} | ${k.bytes.toLocaleString('en')} | ${Math.round(k.bytes / Math.max(1, x.sessions))} |`);
  }
  targetTable(lines, results.targets);
  return lines.join('\n');
}

function refreshLine(lines: string[], leaves: RefreshFootprint): void {
  const kinds = Object.entries(leaves.byKind)
    .map(([kind, bytes]) => `${kind} ${bytes}`)
    .join(', ');
  lines.push(
    '',
    `Redis left per refresh of (a) on the gateway (${leaves.refreshes.toLocaleString('en')} refreshes): ${leaves.bytesPerRefresh} B kept until the spent refresh token expires; by kind of key, with the access token (10 minutes), the rotations' use marks (a minute) and the audit trail (retention): ${kinds}.`,
  );
}

function traceTable(lines: string[], trace: TraceSummary): void {
  lines.push(
    '',
    `One passwordless sign-in (its first seven requests), then one refresh and one client_credentials grant, alone (\`--trace\`): ${trace.total} Redis commands.`,
    '',
    '| Request | Commands | Largest |',
    '|---|---:|---|',
  );
  for (const step of trace.steps) {
    const largest = Object.entries(step.byCommand)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([name, n]) => `${name} ${n}`)
      .join(', ');
    lines.push(`| ${step.request} | ${step.commands} | ${largest} |`);
  }
}

function targetTable(lines: string[], targets: TargetCheck[]): void {
  lines.push('', '| Target | Measured | Met |', '|---|---|---|');
  for (const t of targets)
    lines.push(`| ${t.target} | ${t.measured} | ${t.met === 'info' ? '' : t.met === 'not measured' ? 'not measured' : t.met ? 'yes' : '**no**'} |`);
}

export async function machineDescription(redisUrl: string): Promise<Record<string, string | number>> {
  const redis = new Redis(redisUrl);
  try {
    const info = await redis.info('server');
    return {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 1024 ** 3),
      node: process.versions.node,
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    };
  } finally {
    redis.disconnect();
  }
}

const mib = (bytes: number) => Math.round(bytes / 1048576);
const fmt = (n: number) => n.toLocaleString('en', { maximumFractionDigits: 1 });

/** ` (F MiB mapped from files: …; A MiB anonymous: …)`, or nothing when the parts are unknown. */
export function rssPartsText(parts: RssParts | undefined): string {
  if (!parts || !Number.isFinite(parts.fileBytes) || !Number.isFinite(parts.anonBytes)) return '';
  return ` (${mib(parts.fileBytes)} MiB mapped from files: node's code and data, libraries; ${mib(parts.anonBytes)} MiB anonymous: V8 heap, allocator, buffers)`;
}
