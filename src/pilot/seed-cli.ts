/**
 * `npm run pilot:seed [-- --clinicians 300 --days 60 --seed 42]`: records demo activity
 * (seed.ts) into the audit trail of the configured Redis, through the recorder and the
 * pilot's aggregates like the gateway's own events, so that /pilot has something to show on
 * a fresh install. Each event keeps its own time (the last day is today in Paris) and says
 * details.seeded = true. Refused in production and without Redis.
 * Exit codes: 0 done, 1 an event could not be recorded, 2 bad usage or configuration.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfigForCommand, type Config } from '../config/index.ts';
import { createBackend, createKeyNames } from '../store/index.ts';
import { AUDIT_MAC_KEY_FILE, loadAuditMacKey, loadKeys } from '../signing-keys/load.ts';
import { createRedisAuditLog } from '../audit/index.ts';
import { createPilotFedRecorder } from './recorder.ts';
import { addDays, parisDay } from '../calendar/paris-days.ts';
import { generatePilotActivity, MAX_SEED_CLINICIANS, MAX_SEED_DAYS, SEED_DEFAULTS } from './seed.ts';

const USAGE = 'usage: npm run pilot:seed [-- --clinicians 300 --days 60 --seed 42]';
const PROGRESS_EVERY = 5000;

/** A whole number from min to max given on the command line, or a sentence saying what is wrong. */
function integerOption(name: string, text: string | undefined, fallback: number, min: number, max: number): number | string {
  if (text === undefined) return fallback;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  return Number.isSafeInteger(value) && value >= min && value <= max
    ? value
    : `--${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`;
}

function parseOptions(argv: string[]): { clinicians: number; days: number; seed: number } | string {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: { clinicians: { type: 'string' }, days: { type: 'string' }, seed: { type: 'string' } } }));
  } catch (err) {
    return (err as Error).message;
  }
  const clinicians = integerOption('clinicians', values.clinicians, SEED_DEFAULTS.clinicians, 1, MAX_SEED_CLINICIANS);
  const days = integerOption('days', values.days, SEED_DEFAULTS.days, 1, MAX_SEED_DAYS);
  const seed = integerOption('seed', values.seed, SEED_DEFAULTS.seed, 0, 0xffffffff);
  for (const value of [clinicians, days, seed]) if (typeof value === 'string') return value;
  return { clinicians: clinicians as number, days: days as number, seed: seed as number };
}

/**
 * The audit MAC key the gateway uses. When there is none yet (a fresh install, outside
 * production) the gateway's key files are created the way `npm start` creates them, so that
 * the gateway started later chains on with the same key.
 */
async function auditMacKeyFor(config: Config): Promise<string> {
  if (!config.audit.macKey && !existsSync(join(config.keys.dir, AUDIT_MAC_KEY_FILE))) {
    const loaded = await loadKeys({ dir: config.keys.dir, createIfMissing: true, cookieKeys: config.cookieKeys, auditMacKey: config.audit.macKey });
    for (const file of loaded.created) console.error(`pilot:seed: created ${file} (the gateway will use it)`);
  }
  return loadAuditMacKey(config.keys.dir, config.audit.macKey);
}

/** Runs the command; returns the exit code. `env` defaults to process.env. */
export async function seedCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const options = parseOptions(argv);
  if (typeof options === 'string') {
    console.error(`pilot:seed: ${options}\n${USAGE}`);
    return 2;
  }
  const config = loadConfigForCommand(env);
  if (!config) return 2;
  if (config.env === 'production') {
    console.error('pilot:seed writes demo data into the audit trail; it is refused in production (NODE_ENV=production)');
    return 2;
  }
  const { store, redis } = createBackend(config.redis);
  if (store.kind === 'memory' || !redis) {
    console.error(
      "pilot:seed: no Redis is configured: set REDIS_URL (the same as the gateway's) — the in-memory store of `npm start` lives only inside the gateway process",
    );
    await store.close();
    return 2;
  }
  let macKey: string;
  try {
    macKey = await auditMacKeyFor(config);
  } catch (err) {
    console.error(`pilot:seed: ${(err as Error).message}`);
    await store.close();
    return 2;
  }

  const keyNames = createKeyNames(config.redis.prefix);
  const log = createRedisAuditLog(redis, keyNames, macKey);
  let current = Date.now();
  let failure: Error | undefined;
  const recorder = createPilotFedRecorder(
    {
      log,
      mirror: pino({ enabled: false }),
      instance: 'pilot-seed',
      clock: () => current,
      onError: (err) => {
        failure ??= err;
      },
    },
    store,
    keyNames,
    undefined,
    { writeMonthKeys: config.pilot.writeMonthKeys },
  );
  try {
    const now = Date.now();
    const endDay = parisDay(now);
    const events = generatePilotActivity({ ...options, endDay, until: now });
    const before = await log.head();
    if (before) console.error(`pilot:seed: the audit trail already holds events (up to seq ${before.seq}); the demo events are added after them`);
    let recorded = 0;
    for (const { time, input } of events) {
      current = time;
      await recorder.record(input);
      if (failure) {
        console.error(`pilot:seed: stopped after ${recorded} of ${events.length} events: ${failure.message}`);
        return 1;
      }
      recorded += 1;
      if (recorded % PROGRESS_EVERY === 0) process.stderr.write(`pilot:seed: ${recorded} / ${events.length} events\n`);
    }
    const firstDay = addDays(endDay, -(options.days - 1));
    process.stdout.write(
      `pilot:seed: recorded ${recorded} demo events (details.seeded = true) for ${options.clinicians} clinicians, ${firstDay} to ${endDay} (Paris days)\n` +
        `open ${config.issuer}/pilot (or ${config.issuer}/pilot?from=${firstDay}&to=${endDay} for the whole span), signed in as one of PILOT_STAFF_IDNATS\n`,
    );
    return 0;
  } finally {
    await log.close();
    await store.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await seedCommand(process.argv.slice(2));
}
