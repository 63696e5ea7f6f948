/**
 * Sessions held: passwordless sign-ins (each one a new browser, so a new session) until the
 * gateway holds `target` sessions; then what Redis holds per session, by kind of key, and
 * the gateway's resident memory (sampled every second during the fill; its peak is reported).
 */
import { Redis } from 'ioredis';
import type { Stack } from './stack.ts';
import { closedLoop } from './load/closed-loop.ts';
import { passwordlessSignIn } from './load/journeys.ts';
import { loopbackUrl, type VirtualBrowser } from './load/http-client.ts';
import type { SoftAuthenticator } from '../test/support/soft-authenticator.ts';
import { BENCH_CLIENT_ID } from './clients.ts';
import { redisFootprint, type Footprint } from './redis-footprint.ts';
import { cpuSeconds, rssBytes } from './process-stats.ts';

/**
 * Keys that live as long as a session, one set per sign-in: the session, its session record
 * (its assurance and the session's id: src/store/session-record.ts; the uid index the releases
 * before kept, written instead in the window after an upgrade) and its entry in the sweeper's
 * deadlines, the grant, its token index (and the set of the releases before it, written too in
 * the window after an upgrade) and the refresh token. (Access tokens live 10 minutes, codes and interactions less; the audit trail
 * is kept by retention.)
 */
export const SESSION_KINDS = ['Session', 'su:SessionUid', 'su:assurance', 'sessions:deadlines', 'g:Grant', 'g:token-index', 'g:tokens', 'RefreshToken'];

export interface SessionFigures {
  sessions: number;
  /** Sign-ins made to get there, their rate and errors. */
  signIns: number;
  perSecond: number;
  errors: number;
  /** CPU milliseconds of the gateway processes per sign-in of the fill (a long window: steadier than (e)'s). */
  cpuMsPerSignIn: number;
  /** Redis bytes per session: the session's own keys (SESSION_KINDS), and everything Redis grew by per sign-in. */
  bytesPerSession: { sessionState: number; allKeys: number; usedMemoryGrowth: number };
  /** Keys and bytes by kind at the end. */
  kinds: Footprint['kinds'];
  /** Resident memory of the largest gateway instance (each instance is one process). */
  gatewayRss: { beforeBytes: number; peakBytes: number; afterBytes: number };
  /** V8 heap of the instance that answered /metrics at the end (prom-client's nodejs_heap_*). */
  gatewayHeap: { usedBytes: number; totalBytes: number; externalBytes: number };
  /** With --alloc-profile and --sessions-first: the gateway's V8 heap in use right after a full collection at the end of the fill. */
  gatewayHeapAfterGcBytes?: number;
}

export interface FillOptions {
  stack: Stack;
  holders: string[];
  keys: Map<string, SoftAuthenticator>;
  browsers: VirtualBrowser[];
  target: number;
  progress: (line: string) => void;
}

export async function fillSessions(options: FillOptions): Promise<SessionFigures> {
  const { stack, holders, keys, browsers, target, progress } = options;
  const redis = new Redis(stack.redis.url);
  try {
    const before = await redisFootprint(redis, stack.prefixes.gateway);
    const existing = before.kinds.Session?.keys ?? 0;
    const missing = Math.max(0, target - existing);
    // Per process: what each gateway instance holds (the largest of them).
    const rss = () => Math.max(...stack.gateway.pids.map((pid) => rssBytes(pid) ?? 0));
    const rssBefore = rss();
    const gatewayCpu = () => stack.gateway.pids.reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);
    const cpuBefore = gatewayCpu();
    let peak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss());
    }, 1000);
    progress(`sessions: ${existing} held, signing in ${missing} more to reach ${target}`);
    const rp = { issuer: stack.gateway.url, clientId: BENCH_CLIENT_ID, secret: stack.secret };
    const users = browsers.length;
    const cursor = new Array<number>(users).fill(0);
    const loop = await closedLoop(
      {
        concurrency: users,
        seconds: 24 * 3600,
        maxJourneys: missing,
        progress: (done, errors, s) =>
          progress(`  ${existing + done} sessions, ${errors} errors, ${(done / s).toFixed(1)} sign-ins/s, gateway RSS ${mib(rss())} MiB`),
      },
      async (user) => {
        const mine = holders.filter((_, i) => i % users === user);
        await passwordlessSignIn(browsers[user]!, rp, keys.get(mine[cursor[user]!++ % mine.length]!)!);
      },
    );
    clearInterval(sampler);
    const cpuUsed = gatewayCpu() - cpuBefore;
    const after = await redisFootprint(redis, stack.prefixes.gateway);
    const sessions = after.kinds.Session?.keys ?? 0;
    const rssAfter = rss();
    const sum = (f: Footprint, only?: string[]) =>
      Object.entries(f.kinds)
        .filter(([k]) => !only || only.includes(k))
        .reduce((n, [, v]) => n + v.bytes, 0);
    const added = Math.max(1, sessions - existing);
    return {
      sessions,
      signIns: loop.completed,
      perSecond: Math.round(loop.perSecond * 10) / 10,
      errors: loop.errors,
      cpuMsPerSignIn: Math.round(((cpuUsed * 1000) / Math.max(1, loop.completed)) * 1000) / 1000,
      bytesPerSession: {
        sessionState: Math.round(sum(after, SESSION_KINDS) / Math.max(1, sessions)),
        allKeys: Math.round(sum(after) / Math.max(1, sessions)),
        usedMemoryGrowth: Math.round((after.usedMemory - before.usedMemory) / added),
      },
      kinds: after.kinds,
      gatewayRss: { beforeBytes: rssBefore, peakBytes: Math.max(peak, rssAfter), afterBytes: rssAfter },
      gatewayHeap: await heapOf(stack.gateway.url),
    };
  } finally {
    redis.disconnect();
  }
}

const mib = (bytes: number) => (bytes / 1048576).toFixed(0);

/** Heap figures from the gateway's /metrics (open to loopback by default). */
async function heapOf(issuer: string): Promise<SessionFigures['gatewayHeap']> {
  const text = await (await fetch(`${loopbackUrl(issuer)}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    usedBytes: value('hc_nodejs_heap_size_used_bytes'),
    totalBytes: value('hc_nodejs_heap_size_total_bytes'),
    externalBytes: value('hc_nodejs_external_memory_bytes'),
  };
}
