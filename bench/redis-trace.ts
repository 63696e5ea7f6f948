/**
 * `--trace FILE`: every Redis command one passwordless sign-in sends, in order, with its
 * keys, grouped by the HTTP request that caused it. MONITOR on the (single-node) Redis of the
 * stack; the bench marks each request with an ECHO from the monitoring side, so the trace
 * reads "request, then what it cost". Values are cut to 40 characters (they may be tokens:
 * the trace is a local file of a bench stack, never a production Redis).
 */
import { writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';

const MARK = 'bench-trace-mark ';

export interface TraceSummary {
  /** Commands per step (the request's method and path), in order; Lua scripts' inner commands included. */
  steps: Array<{ request: string; commands: number; byCommand: Record<string, number> }>;
  total: number;
}

/** Runs `journey` alone with MONITOR on; `mark(label)` is called by the journey before each request. */
export async function traceJourney(
  redisUrl: string,
  prefix: string,
  file: string,
  journey: (mark: (label: string) => Promise<void>) => Promise<unknown>,
): Promise<TraceSummary> {
  const marker = new Redis(redisUrl);
  const client = new Redis(redisUrl);
  // Both ready first: a ready check (INFO) arriving with MONITOR's +OK, before ioredis has put the
  // connection in its monitoring state, is taken for a reply ("Command queue state error").
  await Promise.all([marker.ping(), client.ping()]);
  const monitor = await client.monitor();
  const lines: string[] = [];
  const steps: TraceSummary['steps'] = [];
  let step: TraceSummary['steps'][number] = { request: '(before the first request)', commands: 0, byCommand: {} };
  monitor.on('monitor', (_time: string, args: string[]) => {
    const [command = '', ...rest] = args;
    const name = command.toLowerCase();
    if (name === 'echo' && rest[0]?.startsWith(MARK)) {
      if (step.commands > 0 || steps.length > 0) steps.push(step);
      step = { request: rest[0].slice(MARK.length), commands: 0, byCommand: {} };
      lines.push(`\n## ${step.request}`);
      return;
    }
    if (name === 'monitor' || name === 'info') return;
    step.commands += 1;
    step.byCommand[name] = (step.byCommand[name] ?? 0) + 1;
    lines.push(`${name} ${rest.map((a) => (a.startsWith(prefix) ? a.slice(prefix.length) : a.length > 40 ? `${a.slice(0, 40)}…` : a)).join(' ')}`);
  });
  try {
    await journey(async (label) => void (await marker.echo(`${MARK}${label}`)));
    // Work the last answer left behind (batched audit commits, activity writes) has a moment to land.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await marker.echo(`${MARK}(end)`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    marker.disconnect();
    monitor.disconnect();
    client.disconnect();
  }
  steps.push(step);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { steps: steps.filter((s) => s.request !== '(end)'), total: steps.reduce((n, s) => n + s.commands, 0) };
}
