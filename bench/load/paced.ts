/**
 * A fixed request rate, evenly paced: request i is due at start + i / rate, sent then over a
 * pool of keep-alive connections (or as soon as one is free), and its latency runs from when
 * it was due, so that a backlog on the server's side counts (no coordinated omission).
 *
 * autocannon's fixed rate (`overallRate`) gives each connection a quota per second, which it
 * sends back to back before waiting for the next second: at half of the maximum rate, the
 * server is at full load for half of each second and idle for the other half, and the latencies
 * are those of full load. This is what (a½), the latency at half load, runs on instead.
 */
import http from 'node:http';
import type autocannon from 'autocannon';
import { percentile } from './stats.ts';

export interface PacedRun {
  /** Base URL (http://host:port). */
  url: string;
  /** Requests per second. */
  rate: number;
  seconds: number;
  /** Keep-alive connections at most; a request due while all are busy waits for one (its wait counts). */
  connections: number;
  /** Per-request timeout, ms. */
  timeoutMs?: number;
}

export interface PacedResult {
  completed: number;
  /** Requests that failed at the connection or timed out. */
  failed: number;
  /** Status codes of the answers, by code. */
  statuses: Record<number, number>;
  latencyMs: { p50: number; p99: number; max: number };
  seconds: number;
}

/** Sends `request` (autocannon's shape: method, path, headers, body, setupRequest, onResponse) at `run.rate` per second. */
export async function pacedLoad(request: autocannon.Request, run: PacedRun): Promise<PacedResult> {
  if (!(run.rate > 0) || !(run.seconds > 0)) throw new RangeError(`paced load: expected a rate and seconds above 0, got ${run.rate}/s for ${run.seconds} s`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: run.connections });
  const base = new URL(run.url);
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let failed = 0;
  const total = Math.round(run.rate * run.seconds);
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  try {
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / run.rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      inFlight.push(
        send(agent, base, request, run.timeoutMs ?? 10_000).then(
          (status) => {
            latencies.push(performance.now() - due);
            statuses[status] = (statuses[status] ?? 0) + 1;
          },
          () => {
            failed += 1;
          },
        ),
      );
    }
    await Promise.all(inFlight);
  } finally {
    agent.destroy();
  }
  latencies.sort((a, b) => a - b);
  return {
    completed: latencies.length,
    failed,
    statuses,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: percentile(latencies, 100) },
    seconds: Math.round((performance.now() - start) / 100) / 10,
  };
}

/** One request as autocannon would make it from `spec`; resolves with the status once its answer was read and handed to onResponse. */
function send(agent: http.Agent, base: URL, spec: autocannon.Request, timeoutMs: number): Promise<number> {
  const prepared = typeof spec.setupRequest === 'function' ? spec.setupRequest({ ...spec }, {}) : spec;
  const body = typeof prepared.body === 'string' ? prepared.body : undefined;
  const headers: Record<string, string | number> = { ...(prepared.headers as Record<string, string>) };
  if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: base.hostname, port: base.port, method: prepared.method ?? 'GET', path: prepared.path ?? '/', headers, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (typeof spec.onResponse === 'function') spec.onResponse(status, Buffer.concat(chunks).toString('utf8'), {}, res.headers);
          resolve(status);
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
