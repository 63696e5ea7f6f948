/**
 * `npm run keys [-- --force] [-- --dir keys] [-- --owner uid:gid]`: creates signing keys, cookie
 * keys and the audit MAC key in the keys folder (mode 0600). Existing files are kept unless
 * --force is given. --owner gives the folder and the files to the user the gateway runs as (the
 * image's `node` is 1000:1000; the files stay readable by that user alone).
 * `npm run keys -- rotate [--publish-hours 24] [--grace-hours 24] [--dir keys]`: one step of
 * a rotation without downtime (publish, then promote, then retire: keys/rotation.ts).
 * Exit codes: 0 done, 2 bad arguments, existing keys without --force, or keys to rotate missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateCookieKeys, generateSigningKeys } from './generate.ts';
import { AUDIT_MAC_KEY_FILE, COOKIE_KEYS_FILE, JWKS_FILE, KeyFileError, checkJwks, writeSecretFile } from './load.ts';
import { ROTATION_FILE, rotate, type RotationState } from './rotation.ts';
import { giveKeysTo, parseOwner, type Owner } from './owner.ts';

const USAGE =
  'usage: npm run keys [-- --force] [-- --dir <folder>] [-- --owner <uid>:<gid>]\n       npm run keys -- rotate [--publish-hours N] [--grace-hours N] [--dir <folder>] [--owner <uid>:<gid>]';
const HOUR_MS = 3_600_000;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: {
        force: { type: 'boolean', default: false },
        dir: { type: 'string', default: process.env.KEYS_DIR ?? 'keys' },
        'publish-hours': { type: 'string', default: '24' },
        'grace-hours': { type: 'string', default: '24' },
        owner: { type: 'string' },
      },
    });
  } catch (err) {
    console.error(`keys: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  let owner: Owner | undefined;
  try {
    owner = args.values.owner === undefined ? undefined : parseOwner(args.values.owner);
  } catch (err) {
    console.error(`keys: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const [command, ...extra] = args.positionals;
  if (extra.length || (command !== undefined && command !== 'rotate')) {
    console.error(`keys: unknown command "${args.positionals.join(' ')}"\n${USAGE}`);
    return 2;
  }
  return command === 'rotate' ? rotateKeys(args.values, owner) : createKeys(args.values, owner);
}

/** Gives the folder and the files written to `owner`; false (and a message) when not permitted. */
function handOver(folder: string, files: string[], owner: Owner | undefined): boolean {
  if (!owner) return true;
  try {
    giveKeysTo(folder, files, owner);
    return true;
  } catch (err) {
    console.error(err instanceof KeyFileError ? err.message : `keys: ${(err as Error).message}`);
    return false;
  }
}

async function createKeys({ force, dir }: { force?: boolean; dir?: string }, owner: Owner | undefined): Promise<number> {
  const folder = dir!;
  const jwksPath = join(folder, JWKS_FILE);
  const cookiePath = join(folder, COOKIE_KEYS_FILE);
  const auditPath = join(folder, AUDIT_MAC_KEY_FILE);
  const existing = [jwksPath, cookiePath, auditPath].filter((p) => existsSync(p));
  if (existing.length && !force) {
    console.error(
      `keys: ${existing.join(' and ')} already exist; nothing changed.\nUse \`npm run keys -- rotate\` to replace keys without downtime, or --force to replace them at once (this invalidates every issued token and session).`,
    );
    return 2;
  }
  const jwks = await generateSigningKeys();
  writeSecretFile(jwksPath, jwks);
  writeSecretFile(cookiePath, generateCookieKeys());
  writeSecretFile(auditPath, generateCookieKeys()[0]);
  if (!handOver(folder, [jwksPath, cookiePath, auditPath], owner)) return 2;
  process.stdout.write(
    `keys: wrote ${jwksPath} (kids ${jwks.keys.map((k) => `${k.alg}:${k.kid}`).join(', ')}), ${cookiePath} and ${auditPath}${owner ? `, owned by ${owner.uid}:${owner.gid}` : ''}\n`,
  );
  return 0;
}

async function rotateKeys(values: { dir?: string; 'publish-hours'?: string; 'grace-hours'?: string }, owner: Owner | undefined): Promise<number> {
  const hours = (name: 'publish-hours' | 'grace-hours') => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < 0) throw new RangeError(`--${name}: expected a number of hours >= 0, got "${values[name]}"`);
    return n * HOUR_MS;
  };
  const dir = values.dir!;
  const paths = { jwks: join(dir, JWKS_FILE), cookies: join(dir, COOKIE_KEYS_FILE), state: join(dir, ROTATION_FILE) };
  try {
    const times = { publishMs: hours('publish-hours'), graceMs: hours('grace-hours') };
    for (const path of [paths.jwks, paths.cookies]) {
      if (!existsSync(path)) throw new KeyFileError(path, 'missing — create the keys first with `npm run keys`');
    }
    const jwks = checkJwks(paths.jwks, JSON.parse(readFileSync(paths.jwks, 'utf8')));
    const cookieKeys = JSON.parse(readFileSync(paths.cookies, 'utf8')) as string[];
    if (!Array.isArray(cookieKeys) || cookieKeys.length === 0 || cookieKeys.some((k) => typeof k !== 'string'))
      throw new KeyFileError(paths.cookies, 'expected a non-empty array of keys');
    const state: RotationState = existsSync(paths.state) ? (JSON.parse(readFileSync(paths.state, 'utf8')) as RotationState) : { retiring: [] };
    const result = await rotate({ jwks, cookieKeys }, { ...state, retiring: state.retiring ?? [] }, new Date(), times);
    writeSecretFile(paths.jwks, result.files.jwks);
    writeSecretFile(paths.cookies, result.files.cookieKeys);
    writeSecretFile(paths.state, result.state);
    if (!handOver(dir, [paths.jwks, paths.cookies, paths.state], owner)) return 2;
    for (const action of result.actions) process.stdout.write(`keys: ${action}\n`);
    if (!result.actions.every((a) => a.startsWith('waiting')))
      process.stdout.write('keys: restart every gateway instance, one at a time, so that they load the keys\n');
    return 0;
  } catch (err) {
    if (err instanceof KeyFileError || err instanceof RangeError || err instanceof SyntaxError) {
      console.error(err instanceof KeyFileError ? err.message : `keys: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

process.exitCode = await main();
