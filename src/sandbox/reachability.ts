/**
 * checkReachable: once every peer listens, this process must reach each one at the URL people are
 * given, since the peers reach one another there too (the demo applications discover the gateway
 * at ISSUER, the gateway calls the PSC simulator and fetches the DMP-like service's keys).
 * Throws ConfigError, one line per URL that leads nowhere or to another server.
 */
import { ConfigError, type ConfigProblem } from '../config/index.ts';

export interface Probe {
  /** Configuration key and environment variable of the URL. */
  key: string;
  env: string;
  /** The URL as configured, and the address fetched under it. */
  url: string;
  fetch: string;
  /** Who uses the URL besides people, e.g. "the gateway fetches its keys there". */
  why: string;
  /** Where it listens, with the settings that say so, e.g. "localhost:3003 (SANDBOX_HOST, SANDBOX_DMP_PORT)". */
  listens: string;
  /** Whether the answer comes from this peer; otherwise what came instead. */
  recognise(response: Response, body: string): true | string;
}

const TIMEOUT_MS = 3000;

async function answer(probe: Probe): Promise<true | string> {
  try {
    const response = await fetch(probe.fetch, { redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
    return probe.recognise(response, await response.text());
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    return `nothing answered there from this machine (${cause === 'TimeoutError' ? `no answer in ${TIMEOUT_MS / 1000} s` : cause})`;
  }
}

export async function checkReachable(probes: readonly Probe[]): Promise<void> {
  const answers = await Promise.all(probes.map(answer));
  const problems: ConfigProblem[] = [];
  probes.forEach((probe, i) => {
    const found = answers[i];
    if (found === true) return;
    problems.push({
      key: probe.key,
      env: probe.env,
      received: JSON.stringify(probe.url),
      expected: `the URL it is reached at, from people and from the other peers (${probe.why}): ${found}; it listens on ${probe.listens} — behind a port mapping, publish it on the same port number, or set ${probe.env} to where it is reached`,
    });
  });
  if (problems.length) throw new ConfigError(problems);
}
