/**
 * Every command a Redis server runs, through `MONITOR` on a connection of its own, taken in
 * slices: take() returns what ran since the last take, once a mark sent after it has come back
 * (so nothing sent before is still on its way). For a redis-server of the test's own: on the
 * shared one, other test files' commands would mix in. The connections of whatever the test
 * watches must be ready before it starts (a connection's ready check arriving with MONITOR's
 * reply breaks ioredis's monitor connection: test/audit/append-commands.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** One command as MONITOR shows it: its name and arguments, and `lua` when a script ran it. */
export interface MonitoredCommand {
  args: string[];
  source: string;
}

export interface RedisMonitor {
  take(): Promise<MonitoredCommand[]>;
  close(): void;
}

export async function monitorRedis(url: string): Promise<RedisMonitor> {
  const marker = new Redis(url);
  await marker.ping();
  const monitor = await marker.monitor();
  let lines: MonitoredCommand[] = [];
  const waiting = new Map<string, () => void>();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (args[0]?.toLowerCase() === 'echo' && waiting.has(args[1] ?? '')) return waiting.get(args[1]!)!();
    lines.push({ args, source });
  });
  return {
    async take() {
      const mark = `monitor-mark-${randomBytes(6).toString('hex')}`;
      const seen = new Promise<void>((resolve) => waiting.set(mark, resolve));
      await marker.echo(mark);
      await seen;
      waiting.delete(mark);
      const taken = lines;
      lines = [];
      return taken;
    },
    close() {
      monitor.disconnect();
      marker.disconnect();
    },
  };
}
