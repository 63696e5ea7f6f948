/**
 * Redis commands a scenario sent, from `INFO commandstats` before and after it: how many
 * per request (or journey) in all and for each command. The gateway's and the baseline's
 * counts side by side show what the gateway's extra work costs in round trips.
 */
import type { Redis } from 'ioredis';

/** Calls per command, summed over the nodes (every master of a Cluster). */
async function commandCalls(nodes: Redis[]): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const info of await Promise.all(nodes.map((node) => node.info('commandstats')))) {
    for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1]!, (calls.get(match[1]!) ?? 0) + Number(match[2]));
  }
  return calls;
}

export interface CommandWindow {
  /** Commands per unit of work (requests or journeys), in all and by command (largest first). */
  stop(units: number): Promise<{ perUnit: number; byCommand: Record<string, number> }>;
}

export async function commandWindow(redis: Redis | Redis[]): Promise<CommandWindow> {
  const nodes = Array.isArray(redis) ? redis : [redis];
  const before = await commandCalls(nodes);
  return {
    async stop(units) {
      const after = await commandCalls(nodes);
      const per = (n: number) => Math.round((n / Math.max(1, units)) * 100) / 100;
      // The two INFO calls of this window (one per node) are not the scenario's.
      const deltas = [...after].map(([cmd, n]) => [cmd, n - (before.get(cmd) ?? 0) - (cmd === 'info' ? nodes.length : 0)] as const).filter(([, n]) => n > 0);
      deltas.sort((a, b) => b[1] - a[1]);
      return {
        perUnit: per(deltas.reduce((sum, [, n]) => sum + n, 0)),
        byCommand: Object.fromEntries(deltas.map(([cmd, n]) => [cmd, per(n)])),
      };
    },
  };
}
