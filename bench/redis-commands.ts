/**
 * Redis commands a scenario sent, from `INFO commandstats` before and after it: how many
 * per request (or journey) in all and for each command. The gateway's and the baseline's
 * counts side by side show what the gateway's extra work costs in Redis. Beside them, its
 * round trips as Redis sees them: the read events Redis processed (`INFO stats`
 * total_reads_processed), one per write of a client's commands that reaches it — ten commands
 * sent in one write (a pipeline, or ioredis' auto-pipelining of one turn of the event loop) are
 * one. Each costs a write and a wake-up on both sides: under load, the gateway's concurrent
 * requests share them; one by one, they do not.
 */
import type { Redis } from 'ioredis';

interface NodeCounts {
  /** Calls per command. */
  calls: Map<string, number>;
  /** Read events processed; undefined when a server does not say. */
  reads: number | undefined;
}

/** Calls per command and read events, summed over the nodes (every master of a Cluster): one INFO per node. */
async function nodeCounts(nodes: Redis[]): Promise<NodeCounts> {
  const calls = new Map<string, number>();
  let reads: number | undefined = 0;
  // Two sections in one INFO (Redis 7 and later, as the bench starts): one command, one read event of the window's own per node.
  for (const info of await Promise.all(nodes.map((node) => node.info('commandstats', 'stats')))) {
    for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1]!, (calls.get(match[1]!) ?? 0) + Number(match[2]));
    const read = /^total_reads_processed:(\d+)/m.exec(info);
    reads = read && reads !== undefined ? reads + Number(read[1]) : undefined;
  }
  return { calls, reads };
}

export interface CommandFigures {
  /** Commands per unit of work (requests or journeys), in all. */
  perUnit: number;
  /** The same by command, largest first. */
  byCommand: Record<string, number>;
  /** Round trips per unit, as Redis counts its read events (absent in results from before the twentieth round). */
  roundTripsPerUnit?: number | undefined;
}

export interface CommandWindow {
  /** Commands and round trips per unit of work (requests or journeys). */
  stop(units: number): Promise<CommandFigures>;
}

export async function commandWindow(redis: Redis | Redis[]): Promise<CommandWindow> {
  const nodes = Array.isArray(redis) ? redis : [redis];
  const before = await nodeCounts(nodes);
  return {
    async stop(units) {
      const after = await nodeCounts(nodes);
      const per = (n: number) => Math.round((n / Math.max(1, units)) * 100) / 100;
      // The INFO that opened this window counts among the commands (one per node; Redis counts a
      // command once it ran), the one that closes it among the reads (Redis counts a read as it reads).
      const deltas = [...after.calls]
        .map(([cmd, n]) => [cmd, n - (before.calls.get(cmd) ?? 0) - (cmd === 'info' ? nodes.length : 0)] as const)
        .filter(([, n]) => n > 0);
      deltas.sort((a, b) => b[1] - a[1]);
      const reads = after.reads !== undefined && before.reads !== undefined ? after.reads - before.reads - nodes.length : undefined;
      return {
        perUnit: per(deltas.reduce((sum, [, n]) => sum + n, 0)),
        byCommand: Object.fromEntries(deltas.map(([cmd, n]) => [cmd, per(n)])),
        ...(reads !== undefined ? { roundTripsPerUnit: per(Math.max(0, reads)) } : {}),
      };
    },
  };
}
