/**
 * Scenarios (a)–(d) with autocannon: many keep-alive connections, each sending one request
 * after another, for a fixed time; or at a fixed overall rate, evenly paced (paced.ts), for the
 * latency at half load.
 *
 * (a) refresh_token grant with rotation: every answer carries a new refresh token, which goes
 *     back into the pool; the one sent is spent. A pool of refresh tokens from real sign-ins
 *     keeps every connection busy.
 * (b) client_credentials grant (the machine-to-machine client).
 * (c) introspection of access tokens from real sign-ins, by the client they were issued to.
 * (d) userinfo with those access tokens.
 *
 * A request counts as an error when its status is not 200, when the connection fails or
 * times out, or when the answer lacks what it must carry (a token, `active: true`, `sub`).
 */
import autocannon from 'autocannon';
import { BENCH_M2M_SCOPE } from '../clients.ts';
import { basicAuth } from './journeys.ts';
import { pacedLoad } from './paced.ts';

export type EndpointScenario = 'refresh' | 'client_credentials' | 'introspection' | 'userinfo';

export interface EndpointTarget {
  /** Base URL to connect to (127.0.0.1). */
  url: string;
  clientId: string;
  m2mClientId: string;
  secret: string;
  refreshTokens: string[];
  accessTokens: string[];
}

export interface EndpointResult {
  perSecond: number;
  requests: number;
  errors: number;
  /** The first distinct refusals (status and body), at most 5. */
  errorSamples: string[];
  latencyMs: { p50: number; p99: number; max: number };
  seconds: number;
}

export interface EndpointRun {
  connections: number;
  seconds: number;
  /** Requests per second over all connections, evenly paced (paced.ts; default: as fast as answers come). */
  overallRate?: number;
  /** Progress bar on stderr. */
  track?: boolean;
}

const FORM = 'application/x-www-form-urlencoded';

export async function runEndpoint(scenario: EndpointScenario, target: EndpointTarget, run: EndpointRun): Promise<EndpointResult> {
  let invalid = 0;
  const samples = new Set<string>();
  const inner = requestFor(scenario, target, () => {
    invalid += 1;
  });
  const request: Request = {
    ...inner,
    onResponse(status, body, context, headers) {
      if (status !== 200 && samples.size < 5) samples.add(`${status} ${body.replace(/\s+/g, ' ').slice(0, 200)}`);
      if (typeof inner.onResponse === 'function') inner.onResponse(status, body, context, headers);
    },
  };
  if (run.overallRate) {
    // An evenly paced rate (paced.ts): autocannon's fixed rate sends each second's quota back to back.
    const paced = await pacedLoad(request, { url: target.url, rate: run.overallRate, seconds: run.seconds, connections: run.connections });
    const ok = paced.statuses[200] ?? 0;
    return {
      perSecond: Math.round(((ok - invalid) / paced.seconds) * 10) / 10,
      requests: paced.completed + paced.failed,
      errors: paced.completed - ok + paced.failed + invalid,
      errorSamples: [...samples],
      latencyMs: paced.latencyMs,
      seconds: paced.seconds,
    };
  }
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        connections: run.connections,
        duration: run.seconds,
        timeout: 10,
        requests: [request],
      },
      (err, done) => (err ? reject(err) : resolve(done)),
    );
    if (run.track) autocannon.track(instance, { outputStream: process.stderr, renderProgressBar: true, renderResultsTable: false, renderLatencyTable: false });
  });
  const ok = result.statusCodeStats?.['200']?.count ?? 0;
  return {
    perSecond: Math.round(((Number(ok) - invalid) / result.duration) * 10) / 10,
    requests: result.requests.total,
    errors: result.non2xx + result.errors + result.timeouts + invalid,
    errorSamples: [...samples],
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    seconds: result.duration,
  };
}

type Request = autocannon.Request;

function requestFor(scenario: EndpointScenario, target: EndpointTarget, invalid: () => void): Request {
  const asClient = { authorization: basicAuth(target.clientId, target.secret), 'content-type': FORM, accept: 'application/json' };
  const json = (body: string): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(body) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  switch (scenario) {
    case 'refresh': {
      // The target's own array: the chains go on from one run to the next (a, then a½).
      const pool = target.refreshTokens;
      return {
        method: 'POST',
        path: '/token',
        headers: asClient,
        setupRequest(req) {
          // An empty pool (every chain broken by errors) sends a token that is refused: counted.
          const token = pool.pop() ?? 'spent';
          return { ...req, body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}` };
        },
        onResponse(status, body) {
          const next = status === 200 ? json(body)?.refresh_token : undefined;
          if (typeof next === 'string') pool.unshift(next);
          else if (status === 200) invalid();
        },
      };
    }
    case 'client_credentials':
      return {
        method: 'POST',
        path: '/token',
        headers: { ...asClient, authorization: basicAuth(target.m2mClientId, target.secret) },
        body: `grant_type=client_credentials&scope=${encodeURIComponent(BENCH_M2M_SCOPE)}`,
        onResponse(status, body) {
          if (status === 200 && typeof json(body)?.access_token !== 'string') invalid();
        },
      };
    case 'introspection': {
      let next = 0;
      return {
        method: 'POST',
        path: '/token/introspection',
        headers: asClient,
        setupRequest(req) {
          const token = target.accessTokens[next++ % target.accessTokens.length]!;
          return { ...req, body: `token=${encodeURIComponent(token)}` };
        },
        onResponse(status, body) {
          if (status === 200 && json(body)?.active !== true) invalid();
        },
      };
    }
    case 'userinfo': {
      let next = 0;
      return {
        method: 'GET',
        path: '/me',
        setupRequest(req) {
          const token = target.accessTokens[next++ % target.accessTokens.length]!;
          return { ...req, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } };
        },
        onResponse(status, body) {
          if (status === 200 && typeof json(body)?.sub !== 'string') invalid();
        },
      };
    }
  }
}
