/**
 * What a process allocates over a window: V8's sampling heap profiler, driven through the
 * process's inspector (`node --inspect=127.0.0.1:0`), with the objects that garbage collection
 * freed meanwhile kept in the profile (`includeObjectsCollectedByMajorGC/MinorGC`): a profile of
 * every allocation, sampled about every SAMPLING_BYTES, not of what is still alive at the end.
 * `npm run bench -- --alloc-profile DIR` takes one per scenario (run.ts); alloc-summary.ts reads them.
 * In `kept` mode (the session fill: withKeptProfile) it is the other way round: the objects freed
 * are left out and a full collection is run before the profile is taken, so that it shows what
 * the window left alive, and the heap in use then is read.
 * In `survivors` mode (`--alloc-survivors`) only the objects that young collections freed are left
 * out: the profile shows what outlived a young collection — what the old generation receives and
 * full collections must later free — the objects freed by those full collections included. A
 * full collection also frees the young garbage it finds: that little stays in the profile too
 * (under 1 % of a churn in test/bench/alloc-profile.test.ts).
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Average bytes between two samples (V8's default is 32 KiB; finer, for requests of a few KiB). */
export const SAMPLING_BYTES = 1024;

/**
 * The same in survivors mode: V8's default. What outlives a young collection depends on how long
 * a request lives, and sampling every KiB makes the process about three times slower (its
 * requests live that much longer); every 32 KiB, 10–40 % slower in the bench's scenarios.
 */
export const SURVIVORS_SAMPLING_BYTES = 32 * 1024;

/** The WebSocket address a node process started with --inspect prints on its stderr. */
export function inspectorUrlIn(text: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(text)?.[1];
}

export interface HeapProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapProfileNode[];
}

export interface SamplingHeapProfile {
  head: HeapProfileNode;
}

export interface AllocationSampling {
  /** The profile, and V8's heap in use as it was taken (kept mode: after a full collection). */
  stop(): Promise<{ profile: SamplingHeapProfile; heapUsedBytes: number }>;
}

/** What a profile holds besides what is alive at its end (default: every allocation, garbage included). */
export interface SamplingMode {
  /** Only what is still alive after a full collection at the end. */
  kept?: boolean;
  /** Only what outlived a young collection (freed by a full collection later, or still alive). */
  survivors?: boolean;
}

/** Starts sampling in the process whose inspector is at `url`; stop() gives the profile and disconnects. */
export async function startAllocationSampling(url: string, options: SamplingMode = {}): Promise<AllocationSampling> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error(`alloc-sampler: cannot connect to the inspector at ${url}`)), { once: true });
  });
  let nextId = 0;
  const waiting = new Map<number, { resolve: (result: unknown) => void; reject: (err: Error) => void }>();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const call = message.id === undefined ? undefined : waiting.get(message.id);
    if (!call) return;
    waiting.delete(message.id!);
    if (message.error) call.reject(new Error(`alloc-sampler: the inspector refused: ${message.error.message}`));
    else call.resolve(message.result);
  });
  socket.addEventListener('close', () => {
    for (const call of waiting.values()) call.reject(new Error(`alloc-sampler: the inspector at ${url} closed the connection`));
    waiting.clear();
  });
  const send = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve, reject) => {
      // The process gone (it crashed, or was stopped) after the connection closed: no answer will come.
      if (socket.readyState !== WebSocket.OPEN) return reject(new Error(`alloc-sampler: the inspector at ${url} is closed (${method} not sent)`));
      const id = ++nextId;
      waiting.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    await send('HeapProfiler.enable');
    await send('HeapProfiler.startSampling', {
      samplingInterval: options.survivors ? SURVIVORS_SAMPLING_BYTES : SAMPLING_BYTES,
      includeObjectsCollectedByMajorGC: !options.kept,
      includeObjectsCollectedByMinorGC: !options.kept && !options.survivors,
    });
  } catch (err) {
    socket.close();
    throw err;
  }
  return {
    async stop() {
      try {
        if (options.kept) await send('HeapProfiler.collectGarbage');
        const { profile } = (await send('HeapProfiler.stopSampling')) as { profile: SamplingHeapProfile };
        const { usedSize } = (await send('Runtime.getHeapUsage')) as { usedSize: number };
        return { profile, heapUsedBytes: usedSize };
      } finally {
        socket.close();
      }
    },
  };
}

/**
 * Runs `measure` while sampling what the process at `inspector` allocates (with `survivors`: what
 * of it outlived a young collection), and writes the profile into `dir`/`key`.heapprofile (the
 * scenario's key: b, b-baseline, e…); without a folder or an inspector, only runs `measure`.
 */
export async function withAllocationProfile<T>(
  dir: string | undefined,
  key: string,
  inspector: string | undefined,
  measure: () => Promise<T>,
  mode: Pick<SamplingMode, 'survivors'> = {},
): Promise<T> {
  if (!dir || !inspector) return measure();
  const sampling = await startAllocationSampling(inspector, mode);
  try {
    return await measure();
  } finally {
    const { profile } = await sampling.stop();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${key}.heapprofile`), JSON.stringify(profile));
  }
}

/**
 * Runs `measure` while sampling, in kept mode, what the process at `inspector` allocates and
 * keeps: `dir`/`key`.heapprofile holds what was still alive after a full collection at the end,
 * and the heap then in use is returned with measure's result; without a folder or an inspector,
 * only runs `measure`.
 */
export async function withKeptProfile<T>(
  dir: string | undefined,
  key: string,
  inspector: string | undefined,
  measure: () => Promise<T>,
): Promise<{ result: T; heapUsedAfterGcBytes?: number }> {
  if (!dir || !inspector) return { result: await measure() };
  const sampling = await startAllocationSampling(inspector, { kept: true });
  let result: T;
  try {
    result = await measure();
  } catch (err) {
    await sampling.stop().catch(() => undefined);
    throw err;
  }
  const { profile, heapUsedBytes } = await sampling.stop();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${key}.heapprofile`), JSON.stringify(profile));
  return { result, heapUsedAfterGcBytes: heapUsedBytes };
}
