/**
 * Redis commands a scenario sent, from `INFO commandstats` before and after it: how many
 * per request (or journey) in all and for each command. The gateway's and the baseline's
 * counts side by side show what the gateway's extra work costs in round trips.
 */
import type { Redis } from 'ioredis';

async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1]!, Number(match[2]));
  return calls;
}

export interface CommandWindow {
  /** Commands per unit of work (requests or journeys), in all and by command (largest first). */
  stop(units: number): Promise<{ perUnit: number; byCommand: Record<string, number> }>;
}

export async function commandWindow(redis: Redis): Promise<CommandWindow> {
  const before = await commandCalls(redis);
  return {
    async stop(units) {
      const after = await commandCalls(redis);
      const per = (n: number) => Math.round((n / Math.max(1, units)) * 100) / 100;
      // The two INFO calls of this window are not the scenario's.
      const deltas = [...after].map(([cmd, n]) => [cmd, n - (before.get(cmd) ?? 0) - (cmd === 'info' ? 1 : 0)] as const).filter(([, n]) => n > 0);
      deltas.sort((a, b) => b[1] - a[1]);
      return {
        perUnit: per(deltas.reduce((sum, [, n]) => sum + n, 0)),
        byCommand: Object.fromEntries(deltas.map(([cmd, n]) => [cmd, per(n)])),
      };
    },
  };
}
