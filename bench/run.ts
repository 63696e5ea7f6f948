/**
 * `npm run bench`: the gateway's performance, measured on its own stack against a bare
 * oidc-provider baseline. See bench/README.md for what each scenario does and how to read
 * the figures; options in bench/options.ts (`npm run bench -- --help`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Redis } from 'ioredis';
import { BENCH_CLIENT_ID, BENCH_M2M_CLIENT_ID, BENCH_M2M_SCOPE, baselineAccountKey } from './clients.ts';
import { BenchOptionError, parseBenchOptions, USAGE, type BenchOptions } from './options.ts';
import { startStack, type Stack } from './stack.ts';
import { withAllocationProfile, withKeptProfile } from './alloc-sampler.ts';
import { cpuWindow, rssPeakWindow } from './process-stats.ts';
import { commandWindow } from './redis-commands.ts';
import { traceJourney } from './redis-trace.ts';
import { closedLoop, type LoopResult } from './load/closed-loop.ts';
import { type EndpointScenario, type EndpointTarget } from './load/endpoints.ts';
import { runEndpointSpread } from './load/endpoint-workers.ts';
import { renderScaling, renderScalingExtras, scalingSteps, type ScalingStep } from './scaling.ts';
import { basicAuth, baselineSignIn, firstSignIn, passwordlessSignIn, type Tokens } from './load/journeys.ts';
import { VirtualBrowser, loopbackUrl, sharedAgent } from './load/http-client.ts';
import { createSoftAuthenticator, type SoftAuthenticator } from '../test/support/soft-authenticator.ts';
import { fillSessions, type SessionFigures } from './sessions.ts';
import { bytesByKind, refreshFootprint, type RefreshFootprint } from './refresh-footprint.ts';
import { checkTargets, machineDescription, renderReport, type BenchResults, type ScenarioFigures } from './report.ts';

const progress = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof BenchOptionError)) throw err;
    process.stderr.write(`bench: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const opts = options;
  if (opts.scaling.length > 0) return scalingRun(opts);
  let stack: Stack;
  try {
    stack = await startStack({
      clinicians: opts.clinicians,
      instances: opts.instances,
      cpuProfileDir: opts.profileDir,
      inspect: opts.allocProfileDir !== undefined,
      gatewayEnv: opts.gatewayEnv,
      gatewayNodeOptions: opts.gatewayNodeOptions,
      progress,
    });
  } catch (err) {
    progress(`bench: the stack did not start: ${(err as Error).message}`);
    return 1;
  }
  const stop = () => {
    void stack.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  try {
    const results = await measure(stack, opts);
    const report = renderReport(results);
    process.stdout.write(`${report}\n`);
    mkdirSync(dirname(opts.out), { recursive: true });
    writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
    progress(`results written to ${opts.out}`);
    const errors = Object.values(results.scenarios).reduce((n, s) => n + s.errors, 0);
    return errors === 0 ? 0 : 1;
  } catch (err) {
    progress(`bench failed: ${(err as Error).message}\n--- gateway log (last lines) ---\n${stack.logTail('gateway-1')}`);
    return 1;
  } finally {
    process.removeListener('SIGINT', stop);
    sharedAgent.destroy();
    await stack.close();
  }
}

/**
 * `--scaling`: the same scenarios on fresh stacks of 1, 2, 4, 8 processes (connections, virtual
 * users and load processes growing with them), then on a three-master Redis Cluster; no session
 * fill. Prints the scaling table and writes every step's results.
 */
async function scalingRun(opts: BenchOptions): Promise<number> {
  const steps: ScalingStep[] = [];
  let errors = 0;
  for (const step of scalingSteps(opts)) {
    progress(
      `--- scaling: ${step.instances} process${step.instances > 1 ? 'es' : ''} each, ${step.cluster ? 'Redis Cluster (3 masters)' : 'one Redis'}, ${step.options.connections} connections, ${step.options.users} users, ${step.options.loadWorkers} load process(es) ---`,
    );
    let stack: Stack;
    try {
      stack = await startStack({
        clinicians: step.options.clinicians,
        instances: step.instances,
        gatewayEnv: opts.gatewayEnv,
        gatewayNodeOptions: opts.gatewayNodeOptions,
        cluster: step.cluster,
        progress,
      });
    } catch (err) {
      progress(`bench: the stack did not start: ${(err as Error).message}`);
      return 1;
    }
    try {
      const results = await measure(stack, step.options);
      errors += Object.values(results.scenarios).reduce((n, s) => n + s.errors, 0);
      steps.push({ instances: step.instances, cluster: step.cluster, results });
      progress(renderScaling(steps.slice(-1)));
    } catch (err) {
      progress(`bench failed: ${(err as Error).message}\n--- gateway log (last lines) ---\n${stack.logTail('gateway-1')}`);
      return 1;
    } finally {
      sharedAgent.destroy();
      await stack.close();
    }
  }
  process.stdout.write(`${renderScaling(steps)}\n\nHalf load (a½) and first sign-ins through PSC (f), per step:\n\n${renderScalingExtras(steps)}\n`);
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify({ scaling: steps }, null, 2)}\n`);
  progress(`results written to ${opts.out}`);
  return errors === 0 ? 0 : 1;
}

async function measure(stack: Stack, opts: BenchOptions): Promise<BenchResults> {
  // One connection per master: INFO commandstats of each (a Cluster's commands are summed).
  const nodes = stack.redis.urls.map((url) => new Redis(url));
  // The gateway's resident memory over the whole run, every scenario and the session fill.
  const rss = rssPeakWindow(stack.gateway.pids);
  try {
    const results = await measureWith(nodes, stack, opts);
    const measured = { ...results, gatewayRssPeakBytes: rss.stop(), gatewayRssPeakParts: rss.peakParts() };
    return { ...measured, targets: checkTargets(measured) };
  } finally {
    rss.stop();
    for (const node of nodes) node.disconnect();
  }
}

async function measureWith(
  redis: Redis[],
  stack: Stack,
  opts: BenchOptions,
): Promise<Omit<BenchResults, 'targets' | 'gatewayRssPeakBytes' | 'gatewayRssPeakParts'>> {
  const scenarios: Record<string, ScenarioFigures> = {};
  const gatewayRp = { issuer: stack.gateway.url, clientId: BENCH_CLIENT_ID, secret: stack.secret };
  const pids = { redis: stack.redis.pids, 'load generator': [process.pid] };

  // (f) first sign-ins: every clinician once, through PSC, enrolling a key.
  const keys = new Map<string, SoftAuthenticator>();
  progress(`(f) first sign-in through PSC: ${stack.clinicians.length} clinicians, ${opts.users} at a time`);
  const browsers = Array.from({ length: opts.users }, () => new VirtualBrowser());
  scenarios.f = await journeys(
    redis,
    { gateway: stack.gateway.pids, psc: stack.psc.pids, ...pids },
    'gateway',
    {
      concurrency: opts.users,
      seconds: 3600,
      maxJourneys: stack.clinicians.length,
    },
    async (user, n) => {
      const idNat = stack.clinicians[n]!;
      const key = createSoftAuthenticator({ alg: 'ES256', attachment: 'cross-platform' });
      await firstSignIn(browsers[user]!, gatewayRp, idNat, key);
      keys.set(idNat, key);
    },
  );
  const holders = stack.clinicians.filter((id) => keys.has(id));
  if (holders.length < opts.users) throw new Error(`(f) only ${holders.length} clinicians have a key; ${opts.users} are needed for (e)`);

  // Sessions held: Redis memory per session and the gateway's resident memory (not in a scaling step); first with --sessions-first, else last.
  const fill = () => fillSessions({ stack, holders, keys, browsers, target: opts.sessions, progress });
  // With --alloc-profile, the fill's profile is of what it left alive (kept mode), with the heap then in use.
  const keptFill = async () => {
    const { result, heapUsedAfterGcBytes } = await withKeptProfile(opts.allocProfileDir, 'fill-kept', stack.gateway.inspectors?.[0], fill);
    return heapUsedAfterGcBytes === undefined ? result : { ...result, gatewayHeapAfterGcBytes: heapUsedAfterGcBytes };
  };
  const fillFirst = opts.scaling.length === 0 && opts.sessionsFirst ? await keptFill() : undefined;

  // (e) passwordless sign-ins: each virtual user signs its own clinicians in, one after another.
  progress(`(e) passwordless sign-in with a key: ${opts.signinSeconds} s, ${opts.users} users`);
  const recent: Tokens[] = [];
  const cursor = new Array<number>(opts.users).fill(0);
  const signInOnce = async (user: number) => {
    const mine = holders.filter((_, i) => i % opts.users === user);
    const idNat = mine[cursor[user]!++ % mine.length]!;
    const tokens = await passwordlessSignIn(browsers[user]!, gatewayRp, keys.get(idNat)!);
    recent.push(tokens);
    if (recent.length > 4 * opts.connections) recent.shift();
  };
  // A clinician's first sign-in after (f) enrolled their key shows the page of changes to their
  // keys once (journeys.ts pastNotices): one pass over the clinicians first, not measured, so that
  // (e) measures the everyday sign-in however many of them its window reaches (the fill did it
  // already with --sessions-first).
  if (!fillFirst) {
    progress(`  each of the ${holders.length} clinicians once first (their notices page, not measured)`);
    await Promise.all(
      browsers.map(async (_, user) => {
        const mine = holders.filter((_, i) => i % opts.users === user);
        for (let i = 0; i < mine.length; i++) await signInOnce(user);
      }),
    );
  }
  const allocMode = { survivors: opts.allocSurvivors };
  scenarios.e = await withAllocationProfile(
    opts.allocProfileDir,
    'e',
    stack.gateway.inspectors?.[0],
    () => journeys(redis, { gateway: stack.gateway.pids, ...pids }, 'gateway', { concurrency: opts.users, seconds: opts.signinSeconds }, signInOnce),
    allocMode,
  );
  // One refresh token per connection of (a) at least: more sign-ins (not measured) when (e) was too short for that (a quick run, a busy machine).
  if (recent.length < opts.connections) progress(`  ${recent.length} refresh tokens for ${opts.connections} connections: signing in more (not measured)`);
  await Promise.all(
    browsers.map(async (_, user) => {
      while (recent.length < opts.connections) await signInOnce(user);
    }),
  );

  const trace = opts.traceFile ? await traceOneSignIn(stack, opts.traceFile, holders[0]!, keys, gatewayRp) : undefined;

  // Token pools for (a)–(d): the gateway's from (e), the baseline's from its own sign-ins.
  const gatewayTarget = await gatewayPools(stack, recent, opts);
  const baselineTarget = await baselinePools(stack, gatewayTarget, opts);

  let refreshLeaves: RefreshFootprint | undefined;
  const order: Array<[string, EndpointScenario]> = [
    ['b', 'client_credentials'],
    ['c', 'introspection'],
    ['d', 'userinfo'],
    ['a', 'refresh'],
  ];
  for (const [letter, scenario] of order.filter(([l]) => opts.only.includes(l))) {
    for (const [stackName, target, part] of [
      ['gateway', gatewayTarget, stack.gateway],
      ['baseline', baselineTarget, stack.baseline],
    ] as const) {
      const key = `${letter}${stackName === 'baseline' ? '-baseline' : ''}`;
      progress(`(${letter}) ${scenario} on the ${stackName}: ${opts.seconds} s, ${opts.connections} connections`);
      // What a refresh leaves in Redis (one Redis: a scaling step's Cluster is not measured).
      const footprint = letter === 'a' && stackName === 'gateway' && redis.length === 1 ? await bytesByKind(redis[0]!, stack.prefixes.gateway) : undefined;
      const figures = await withAllocationProfile(
        opts.allocProfileDir,
        key,
        part.inspectors?.[0],
        () =>
          endpoint(redis, scenario, target, { [stackName]: part.pids, ...pids }, stackName, {
            connections: opts.connections,
            seconds: opts.seconds,
            workers: opts.loadWorkers,
          }),
        allocMode,
      );
      scenarios[key] = figures;
      if (footprint) refreshLeaves = refreshFootprint(footprint, await bytesByKind(redis[0]!, stack.prefixes.gateway), figures.count);
    }
  }
  // Token endpoint latency at half of the gateway's maximum refresh throughput; then the bare
  // provider at the same rate: what the same arrivals cost it on this machine (latency, CPU).
  const half = Math.max(1, Math.round((scenarios.a?.perSecond ?? 0) / 2));
  if (scenarios.a) {
    const paced = { connections: opts.connections, seconds: opts.seconds, overallRate: half, workers: opts.loadWorkers };
    progress(`(a½) refresh_token on the gateway at ${half}/s (half of its maximum): ${opts.seconds} s`);
    scenarios['a-half'] = await endpoint(redis, 'refresh', gatewayTarget, { gateway: stack.gateway.pids, ...pids }, 'gateway', paced);
    if (scenarios['a-baseline']) {
      progress(`(a½) refresh_token on the baseline at the same ${half}/s: ${opts.seconds} s`);
      scenarios['a-half-baseline'] = await endpoint(redis, 'refresh', baselineTarget, { baseline: stack.baseline.pids, ...pids }, 'baseline', paced);
    }
  }

  const sessions: SessionFigures | undefined = opts.scaling.length > 0 ? undefined : (fillFirst ?? (await fill()));
  return {
    machine: await machineDescription(stack.redis.url),
    options: opts,
    gatewayNodeOptions: stack.gatewayNodeOptions,
    date: new Date().toISOString(),
    scenarios,
    sessions,
    refreshLeaves,
    trace,
  };
}

/** `--trace`: one passwordless sign-in alone, its Redis commands recorded by request. */
async function traceOneSignIn(stack: Stack, file: string, idNat: string, keys: Map<string, SoftAuthenticator>, rp: Parameters<typeof passwordlessSignIn>[1]) {
  progress(`one passwordless sign-in, a refresh and a client_credentials grant alone, Redis MONITOR on: ${file}`);
  const browser = new VirtualBrowser();
  const summary = await traceJourney(stack.redis.url, stack.prefixes.gateway, file, async (mark) => {
    browser.onRequest = mark;
    const tokens = await passwordlessSignIn(browser, rp, keys.get(idNat)!);
    // One refresh and one client_credentials grant, as (a) and (b) send them.
    const refresh = await browser.request(`${rp.issuer}/token`, {
      form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      headers: { authorization: basicAuth(rp.clientId, rp.secret), accept: 'application/json' },
    });
    const machine = await browser.request(`${rp.issuer}/token`, {
      form: { grant_type: 'client_credentials', scope: BENCH_M2M_SCOPE },
      headers: { authorization: basicAuth(BENCH_M2M_CLIENT_ID, stack.secret), accept: 'application/json' },
    });
    if (refresh.status !== 200 || machine.status !== 200) throw new Error(`--trace: refresh ${refresh.status}, client_credentials ${machine.status}`);
  });
  progress(`  ${summary.total} commands`);
  return summary;
}

async function journeys(
  redis: Redis[],
  pids: Record<string, number[]>,
  stackName: 'gateway',
  loop: Parameters<typeof closedLoop>[0],
  journey: Parameters<typeof closedLoop>[1],
): Promise<ScenarioFigures> {
  const cpu = cpuWindow(pids);
  const rss = rssPeakWindow(pids[stackName] ?? []);
  const commands = await commandWindow(redis);
  const startUs = monotonicUs();
  const result: LoopResult = await closedLoop(
    { ...loop, progress: (done, errors, s) => progress(`  ${done} done, ${errors} errors, ${(done / s).toFixed(1)}/s`) },
    journey,
  );
  const used = cpu.stop();
  const rssPeakBytes = rss.stop();
  const figures = {
    stack: stackName,
    perSecond: round(result.perSecond),
    count: result.completed,
    errors: result.errors,
    errorSamples: result.errorSamples,
    latencyMs: result.latencyMs,
    seconds: round(result.seconds),
    cpu: used,
    cpuMsPerUnit: cpuMsPer(used[stackName], result.seconds, result.completed),
    rssPeakBytes,
    redisCommands: await commands.stop(result.completed + result.errors),
    monotonicUs: [startUs, monotonicUs()] as [number, number],
  };
  if (result.errors) progress(`  errors: ${result.errorSamples.join(' | ')}`);
  return figures;
}

async function endpoint(
  redis: Redis[],
  scenario: EndpointScenario,
  target: EndpointTarget,
  pids: Record<string, number[]>,
  stackName: 'gateway' | 'baseline',
  run: { connections: number; seconds: number; overallRate?: number; workers: number },
): Promise<ScenarioFigures> {
  const cpu = cpuWindow(pids);
  const rss = rssPeakWindow(pids[stackName] ?? []);
  const commands = await commandWindow(redis);
  const startUs = monotonicUs();
  const result = await runEndpointSpread(scenario, target, { ...run, track: process.stderr.isTTY && run.workers <= 1 }, run.workers);
  const used = cpu.stop();
  const rssPeakBytes = rss.stop();
  // Load processes: their own CPU seconds, added to the load generator's share.
  if (result.workerCpuSeconds > 0) used['load generator'] = round((used['load generator'] ?? 0) + (result.workerCpuSeconds / result.seconds) * 100);
  return {
    stack: stackName,
    perSecond: result.perSecond,
    count: result.requests,
    errors: result.errors,
    errorSamples: result.errorSamples,
    latencyMs: result.latencyMs,
    seconds: round(result.seconds),
    cpu: used,
    cpuMsPerUnit: cpuMsPer(used[stackName], result.seconds, result.requests),
    rssPeakBytes,
    redisCommands: await commands.stop(result.requests),
    monotonicUs: [startUs, monotonicUs()],
    ...(run.overallRate ? { offeredRate: run.overallRate } : {}),
  };
}

/** CPU milliseconds of the stack's processes per request or journey (from its % of one core over the window). */
function cpuMsPer(percent: number | undefined, seconds: number, units: number): number | undefined {
  if (percent === undefined || units === 0) return undefined;
  return Math.round((((percent / 100) * seconds * 1000) / units) * 1000) / 1000;
}

async function gatewayPools(stack: Stack, recent: Tokens[], opts: BenchOptions): Promise<EndpointTarget> {
  const refreshTokens = recent.map((t) => t.refresh_token).filter((t): t is string => Boolean(t));
  if (refreshTokens.length < opts.connections)
    throw new Error(`(e) left ${refreshTokens.length} refresh tokens; (a) needs at least one per connection (${opts.connections}): run (e) longer`);
  return {
    url: loopbackUrl(stack.gateway.url),
    clientId: BENCH_CLIENT_ID,
    m2mClientId: BENCH_M2M_CLIENT_ID,
    secret: stack.secret,
    refreshTokens,
    accessTokens: recent.map((t) => t.access_token),
  };
}

/** Signs in on the baseline as many times as the gateway's pools hold, with the claims a gateway clinician has. */
async function baselinePools(stack: Stack, gateway: EndpointTarget, opts: BenchOptions): Promise<EndpointTarget> {
  const me = await fetch(`${gateway.url}/me`, { headers: { authorization: `Bearer ${gateway.accessTokens[0]}` } });
  const { sub: _sub, ...claims } = (await me.json()) as Record<string, unknown>;
  const redis = stack.redis.connect();
  try {
    await redis.hset(baselineAccountKey(stack.prefixes.baseline, 'clinician'), 'claims', JSON.stringify(claims));
  } finally {
    redis.disconnect();
  }
  const rp = { issuer: stack.baseline.url, clientId: BENCH_CLIENT_ID, secret: stack.secret };
  const browser = new VirtualBrowser();
  const tokens: Tokens[] = [];
  for (let i = 0; i < Math.max(gateway.refreshTokens.length, opts.connections); i += 1) tokens.push(await baselineSignIn(browser, rp, 'clinician'));
  return {
    url: loopbackUrl(stack.baseline.url),
    clientId: BENCH_CLIENT_ID,
    m2mClientId: BENCH_M2M_CLIENT_ID,
    secret: stack.secret,
    refreshTokens: tokens.map((t) => t.refresh_token!),
    accessTokens: tokens.map((t) => t.access_token),
  };
}

const round = (n: number) => Math.round(n * 10) / 10;
/** The monotonic clock in µs: what V8's CPU profiles time their samples with (CLOCK_MONOTONIC, shared by processes). */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

process.exitCode = await main();
