/**
 * `npm run bench` options. `--quick` is a smoke run (CI checks that it works end to end);
 * the defaults are the measured run whose figures the README reports.
 */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  quick: boolean;
  /** Seconds per endpoint scenario (a)–(d), per stack. */
  seconds: number;
  /** Seconds of passwordless sign-ins (e). */
  signinSeconds: number;
  /** Processes of the gateway and of the baseline, sharing their port (SO_REUSEPORT). */
  instances: number;
  /** autocannon connections for (a)–(d). */
  connections: number;
  /** Virtual users for (e) and (f). */
  users: number;
  /** Clinicians who sign in for the first time in (f) (and then hold the keys used in (e)). */
  clinicians: number;
  /** Sessions to reach before reading Redis memory per session and the gateway's RSS. */
  sessions: number;
  /** Where the JSON results go. */
  out: string;
  /** Gateway CPU profile (--cpu-prof) into this folder. */
  profileDir: string | undefined;
  /** What the gateway and the baseline allocate during each of (a)–(e): sampling heap profiles into this folder (alloc-sampler.ts). */
  allocProfileDir: string | undefined;
  /** With allocProfileDir: only what outlived a young collection (--alloc-survivors; alloc-sampler.ts survivors mode). */
  allocSurvivors: boolean;
  /** Endpoint scenarios to run, among a b c d (default all); (e) and (f) always run, they make the tokens. */
  only: string[];
  /** Extra environment of the gateway (--gateway-env NAME=value), e.g. LOG_LEVEL=warn. */
  gatewayEnv: Record<string, string>;
  /** Node options of the gateway processes instead of `npm start`'s (--gateway-node-options; [] = none); undefined = `npm start`'s (start-script.ts). */
  gatewayNodeOptions: string[] | undefined;
  /** Fill the sessions right after (f), so that (e) and (a)–(d) run with them held (`npm run bench:memory`). */
  sessionsFirst: boolean;
  /** Load processes for (a)–(d) (1 = autocannon in the bench's own process). */
  loadWorkers: number;
  /** Scaling run: process counts of its steps (empty = the ordinary run). */
  scaling: number[];
  /** Processes of the scaling step against a three-master Redis Cluster (0 = none). */
  scalingCluster: number;
  /** Write the Redis commands of one passwordless sign-in, by request, into this file (MONITOR). */
  traceFile: string | undefined;
}

export const USAGE = `npm run bench [-- options]

Starts its own stack (redis-server on a free port, PSC simulator, gateway, bare oidc-provider
baseline), measures scenarios (a)–(f), prints a markdown table on stdout (progress on stderr)
and writes the results as JSON.

  --quick               smoke run: a few seconds per scenario, few clinicians and sessions
  --seconds N           seconds per endpoint scenario (a)–(d), per stack     (default 15; quick 2)
  --signin-seconds N    seconds of passwordless sign-ins (e)                  (default 20; quick 3)
  --instances N         gateway processes on the port (HTTP_REUSE_PORT), and as many
                        baseline processes                                    (default 1)
  --connections N       concurrent connections for (a)–(d)                    (default 32)
  --users N             virtual users for the sign-in journeys (e), (f)       (default 24; quick 4)
  --clinicians N        first sign-ins through PSC (f)                        (default 1000; quick 12)
  --sessions N          sessions held before measuring memory                 (default 100000; quick 200)
  --sessions-first      fill the sessions right after (f), before (e) and (a)–(d),
                        so that the sign-in and token load runs with them held
                        (npm run bench:memory)                                (default: last)
  --out FILE            JSON results                                          (default bench/results/latest.json)
  --profile DIR         write the gateway's CPU profile (node --cpu-prof) into DIR
  --alloc-profile DIR   what the gateway and the baseline allocate during (a)–(e),
                        garbage included: DIR/<scenario>.heapprofile, read with
                        bench/alloc-summary.ts (slows both: compare within a run);
                        with --sessions-first also what the fill left alive in the
                        gateway, after a full collection: DIR/fill-kept.heapprofile
  --alloc-survivors     with --alloc-profile: only what outlived a young collection
                        (what the old generation receives, freed later or alive)
  --only LETTERS        endpoint scenarios to run among a,b,c,d (default all;
                        (e) and (f) always run: they make the tokens)
  --gateway-env N=V     an environment variable for the gateway, e.g. LOG_LEVEL=warn or
                        RATE_LIMITS=false (repeatable; to see what a part costs)
  --gateway-node-options "OPTS"
                        node options of the gateway processes instead of those of
                        npm start (package.json's start script), e.g.
                        "--max-old-space-size=1024"; "" = none              (default: npm start's)
  --load-workers N       load processes for (a)–(d), connections and tokens shared
                        among them, so that one autocannon is not the limit   (default 1)
  --scaling LIST        scaling run instead: fresh stacks of these process counts
                        (e.g. 1,2,4,8), connections, users and load processes
                        growing with them; no session fill                    (default off)
  --scaling-cluster N   with --scaling: one more step of N processes against a
                        three-master Redis Cluster started by the bench
                        (default: the largest step; 0 = none)
  --trace FILE          after (e), one more sign-in alone with Redis MONITOR on: its
                        commands, by HTTP request, into FILE (a summary in the report)
  --help                this text

Exit code: 0 when the run completed without errors, 1 when a scenario had errors or the
stack failed, 2 on a bad option.`;

export class BenchOptionError extends Error {}

function onlyScenarios(value: string | undefined): string[] {
  if (value === undefined) return ['a', 'b', 'c', 'd'];
  const letters = value
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
  const bad = letters.find((l) => !['a', 'b', 'c', 'd'].includes(l));
  if (bad !== undefined || letters.length === 0) throw new BenchOptionError(`--only: expected letters among a,b,c,d separated by commas, got "${value}"`);
  return letters;
}

/** `--gateway-node-options`: node options separated by spaces, each --name or --name=value ("" = none). */
function nodeOptionsList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const options = value.trim().split(/\s+/).filter(Boolean);
  const bad = options.find((option) => !/^--[a-z0-9][a-z0-9-_]*(=\S+)?$/i.test(option));
  if (bad !== undefined)
    throw new BenchOptionError(
      `--gateway-node-options: expected node options separated by spaces, each --name or --name=value (e.g. "--max-old-space-size=1024"), got "${bad}" in "${value}"`,
    );
  return options;
}

/**
 * `--gateway-node-options --max-old-space-size=1024` as one argument: parseArgs takes a value that
 * starts with a dash for an option of its own and refuses it.
 */
function joinNodeOptions(argv: string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--gateway-node-options' && i + 1 < argv.length) joined.push(`--gateway-node-options=${argv[++i]}`);
    else joined.push(argv[i]!);
  }
  return joined;
}

function scalingList(value: string | undefined): number[] {
  if (value === undefined) return [];
  const counts = value.split(',').map((n) => Number(n.trim()));
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1 || n > 64))
    throw new BenchOptionError(`--scaling: expected process counts between 1 and 64 separated by commas, got "${value}"`);
  return counts;
}

export function parseBenchOptions(argv: string[]): BenchOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNodeOptions(argv),
      options: {
        quick: { type: 'boolean', default: false },
        seconds: { type: 'string' },
        'signin-seconds': { type: 'string' },
        connections: { type: 'string' },
        instances: { type: 'string' },
        users: { type: 'string' },
        clinicians: { type: 'string' },
        sessions: { type: 'string' },
        out: { type: 'string', default: 'bench/results/latest.json' },
        profile: { type: 'string' },
        'alloc-profile': { type: 'string' },
        'alloc-survivors': { type: 'boolean', default: false },
        'gateway-env': { type: 'string', multiple: true },
        'gateway-node-options': { type: 'string' },
        'sessions-first': { type: 'boolean', default: false },
        only: { type: 'string' },
        'load-workers': { type: 'string' },
        scaling: { type: 'string' },
        'scaling-cluster': { type: 'string' },
        trace: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new BenchOptionError((err as Error).message);
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const quick = values.quick ?? false;
  const integer = (name: string, value: string | undefined, fallback: number, min: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new BenchOptionError(`--${name}: expected an integer >= ${min}, got "${value}"`);
    return n;
  };
  const options: BenchOptions = {
    quick,
    seconds: integer('seconds', values.seconds, quick ? 2 : 15, 1),
    signinSeconds: integer('signin-seconds', values['signin-seconds'], quick ? 3 : 20, 1),
    instances: integer('instances', values.instances, 1, 1),
    connections: integer('connections', values.connections, 32, 1),
    users: integer('users', values.users, quick ? 4 : 24, 1),
    clinicians: integer('clinicians', values.clinicians, quick ? 12 : 1000, 1),
    sessions: integer('sessions', values.sessions, quick ? 200 : 100_000, 0),
    out: values.out ?? 'bench/results/latest.json',
    profileDir: values.profile,
    allocProfileDir: values['alloc-profile'],
    allocSurvivors: values['alloc-survivors'] ?? false,
    only: onlyScenarios(values.only),
    gatewayEnv: Object.fromEntries(
      (values['gateway-env'] ?? []).map((pair) => {
        const eq = pair.indexOf('=');
        if (eq < 1) throw new BenchOptionError(`--gateway-env: expected NAME=value, got "${pair}"`);
        return [pair.slice(0, eq), pair.slice(eq + 1)];
      }),
    ),
    gatewayNodeOptions: nodeOptionsList(values['gateway-node-options']),
    sessionsFirst: values['sessions-first'] ?? false,
    loadWorkers: integer('load-workers', values['load-workers'], 1, 1),
    scaling: scalingList(values.scaling),
    scalingCluster: 0,
    traceFile: values.trace,
  };
  const largest = Math.max(0, ...options.scaling);
  options.scalingCluster = options.scaling.length ? integer('scaling-cluster', values['scaling-cluster'], largest, 0) : 0;
  if (options.allocProfileDir && (options.scaling.length > 0 || options.instances > 1))
    throw new BenchOptionError('--alloc-profile: one gateway process and one baseline process only (no --scaling, no --instances above 1)');
  if (options.allocSurvivors && !options.allocProfileDir) throw new BenchOptionError('--alloc-survivors: a mode of --alloc-profile DIR, which is missing');
  if (options.sessionsFirst && options.scaling.length > 0)
    throw new BenchOptionError('--sessions-first: a scaling run (--scaling) fills no sessions; leave out one of the two');
  if (options.clinicians < options.users)
    throw new BenchOptionError(
      `--clinicians (${options.clinicians}) must be at least --users (${options.users}): each virtual user signs in with its own clinicians' keys`,
    );
  return options;
}
