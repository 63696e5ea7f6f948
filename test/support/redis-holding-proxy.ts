/**
 * A TCP proxy in front of a Redis server that can hold commands up on their way to it, as a
 * failover or a stalled connection does: once armed (`holdFrom`), the first command that the
 * predicate picks, and every byte sent after it on the same connection, wait in the proxy
 * until `release()`, then reach Redis in their order — after the gateway has given up on them
 * (its deadline), exactly as ioredis sends again, to the new master, what the old one never
 * answered. Answers from Redis flow freely; other connections are not held.
 *
 * It reads the client's side as RESP (what ioredis sends: arrays of bulk strings), so that the
 * predicate sees each command's arguments and a command is held whole. It also keeps every
 * command it passes on (`sent`), each with its connection's turn: how many answers Redis had
 * sent back on that connection by then. Two commands of one turn were sent without either
 * waiting for the other's answer (one round trip); a later turn means an answer came in between.
 */
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';

/** A command as it went through: its connection (numbered from 1), its turn (see above), its arguments. */
export interface SentCommand {
  connection: number;
  turn: number;
  args: string[];
}

export interface HoldingProxy {
  url: string;
  /** Every command that went through, in the order received; `sent.length = 0` forgets them. */
  readonly sent: SentCommand[];
  /** Holds, on the connection that sends it, the first command for which `pick` says true and all that follows, until release(). */
  holdFrom(pick: (args: string[]) => boolean): void;
  /** The command that was picked (its arguments), once one was. */
  readonly picked: string[] | undefined;
  /** Sends what was held, in order, and stops holding. */
  release(): void;
  close(): Promise<void>;
}

/** One complete RESP array of bulk strings at the start of `buffer`: its arguments and length in bytes; undefined while incomplete. */
function readCommand(buffer: Buffer): { args: string[]; length: number } | undefined {
  let at = 0;
  const line = (): string | undefined => {
    const end = buffer.indexOf('\r\n', at);
    if (end < 0) return undefined;
    const text = buffer.toString('latin1', at, end);
    at = end + 2;
    return text;
  };
  const header = line();
  if (header === undefined) return undefined;
  if (!header.startsWith('*')) throw new Error(`redis-holding-proxy: expected a RESP array from the client, got ${JSON.stringify(header.slice(0, 20))}`);
  const args: string[] = [];
  for (let count = Number(header.slice(1)); args.length < count;) {
    const size = line();
    if (size === undefined) return undefined;
    const length = Number(size.slice(1));
    if (buffer.length < at + length + 2) return undefined;
    args.push(buffer.toString('utf8', at, at + length));
    at += length + 2;
  }
  return { args, length: at };
}

export async function startRedisHoldingProxy(target: { host: string; port: number }): Promise<HoldingProxy> {
  let pick: ((args: string[]) => boolean) | undefined;
  let picked: string[] | undefined;
  /** The held connection's upstream and what waits for it. */
  let held: { upstream: Socket; chunks: Buffer[] } | undefined;
  const sockets = new Set<Socket>();
  const sent: SentCommand[] = [];
  let connections = 0;

  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    upstream.pipe(client);
    const connection = ++connections;
    let turn = 0;
    upstream.on('data', () => (turn += 1));
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (let command = readCommand(pending); command; command = readCommand(pending)) {
        const bytes = pending.subarray(0, command.length);
        sent.push({ connection, turn, args: command.args });
        pending = pending.subarray(command.length);
        if (!held && pick?.(command.args)) {
          picked = command.args;
          pick = undefined;
          held = { upstream, chunks: [] };
        }
        if (held?.upstream === upstream) held.chunks.push(Buffer.from(bytes));
        else upstream.write(bytes);
      }
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };

  return {
    url: `redis://127.0.0.1:${port}`,
    sent,
    holdFrom(predicate) {
      pick = predicate;
    },
    get picked() {
      return picked;
    },
    release() {
      const { upstream, chunks } = held ?? { upstream: undefined, chunks: [] };
      held = undefined;
      for (const chunk of chunks) upstream?.write(chunk);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** What `step` sent through `proxy`: every command, in order (what went through before is forgotten). */
export async function sentDuring<T>(proxy: HoldingProxy, step: () => Promise<T>): Promise<{ result: T; sent: SentCommand[] }> {
  proxy.sent.length = 0;
  const result = await step();
  return { result, sent: [...proxy.sent] };
}

/** Asserts that `a` and `b`, among `sent`, went in one round trip: one connection, one turn. */
export function assertSentTogether(sent: readonly SentCommand[], a: SentCommand, b: SentCommand, what: string): void {
  assert.equal(a.connection, b.connection, `${what}: on one connection:\n${shownTurns(sent)}`);
  assert.equal(a.turn, b.turn, `${what}: sent without waiting for each other's answer (one round trip):\n${shownTurns(sent)}`);
}

/** The commands as lines `connection/turn command key` (for assertion messages). */
export function shownTurns(sent: readonly SentCommand[]): string {
  return sent.map((c) => `${c.connection}/${c.turn} ${c.args.slice(0, 2).join(' ').slice(0, 100)}`).join('\n');
}
