/**
 * An ioredis client (Redis or Cluster) whose every command answers within the deadline of
 * answer-deadline.ts, for everything that uses it (store, audit trail, rate limits): each
 * command method — built-in, defined by a script (defineCommand) or `call` — is raced against
 * it, and so is `exec` of a MULTI or pipeline. Everything else (events, connect, quit, status,
 * options) is the client's own, untouched.
 */
import type { Cluster, Redis } from 'ioredis';
import { withinDeadline } from './answer-deadline.ts';

/** Methods that are not commands sent on behalf of a caller waiting for the answer. */
const NOT_COMMANDS = new Set([
  'on',
  'once',
  'off',
  'addListener',
  'prependListener',
  'prependOnceListener',
  'removeListener',
  'removeAllListeners',
  'emit',
  'listeners',
  'rawListeners',
  'listenerCount',
  'eventNames',
  'setMaxListeners',
  'getMaxListeners',
  'connect',
  'disconnect',
  'quit',
  'end',
  'duplicate',
  'defineCommand',
  'nodes',
  'delayUntilReady',
  'refreshSlotsCache',
  'sendCommand',
  'toString',
  'valueOf',
  'constructor',
  'hasOwnProperty',
  'getBuiltinCommands',
  'createBuiltinCommand',
]);
/** Methods returning a MULTI or pipeline: queued, then sent by exec. */
const BATCHES = new Set(['multi', 'pipeline']);

type Batch = { exec(...args: unknown[]): Promise<unknown> };

export function withAnswerDeadlines<T extends Redis | Cluster>(client: T): T {
  return deadlineProxy(client, (name, method, target, proxy) => {
    if (BATCHES.has(name)) return (...args: unknown[]) => batchProxy(method.apply(target, args) as Batch, target, proxy);
    if (NOT_COMMANDS.has(name)) return (...args: unknown[]) => same(method.apply(target, args), target, proxy);
    return (...args: unknown[]) => withinDeadline(() => method.apply(target, args) as Promise<unknown>, name.toUpperCase());
  });
}

/** A MULTI or pipeline: commands queue as usual (returning the proxy for chaining); exec is raced. */
function batchProxy(batch: Batch, client: object, clientProxy: object): Batch {
  // `multi('pipeline'…)` with commands given at once returns a promise: nothing to wrap.
  if (typeof batch?.exec !== 'function') return batch;
  return deadlineProxy(batch, (name, method, target, proxy) => {
    if (name === 'exec') return (...args: unknown[]) => withinDeadline(() => method.apply(target, args) as Promise<unknown>, 'EXEC');
    return (...args: unknown[]) => same(same(method.apply(target, args), target, proxy), client, clientProxy);
  });
}

/** Chained methods return their object: give back the proxy instead, so chains stay covered. */
function same(result: unknown, target: object, proxy: object): unknown {
  return result === target ? proxy : result;
}

type Wrap = (name: string, method: (...args: unknown[]) => unknown, target: object, proxy: object) => (...args: unknown[]) => unknown;

function deadlineProxy<T extends object>(target: T, wrap: Wrap): T {
  const wrapped = new Map<string, { method: unknown; fn: unknown }>();
  const proxy: T = new Proxy(target, {
    get(t, property) {
      const value = Reflect.get(t, property, t) as unknown;
      if (typeof property !== 'string' || typeof value !== 'function') return value;
      const known = wrapped.get(property);
      if (known?.method === value) return known.fn;
      const fn = wrap(property, value as (...args: unknown[]) => unknown, t, proxy);
      wrapped.set(property, { method: value, fn });
      return fn;
    },
  });
  return proxy;
}
