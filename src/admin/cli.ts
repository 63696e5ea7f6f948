/**
 * `npm run admin -- <command>`: operations for the IAM team, against the configured store.
 *   revoke-keys <idNat>   revokes every security key and passkey of a clinician (offboarding)
 *   list-keys <idNat>     lists them
 * Exit codes: 0 done, 1 nothing to act on, 2 bad usage or configuration.
 */
import { parseArgs } from 'node:util';
import { ConfigError, formatProblem, loadConfig } from '../config/index.ts';
import { createStore, createKeys } from '../store/index.ts';
import { createCredentialRepository } from '../webauthn/index.ts';
import { ID_NAT_PATTERN } from '../accounts/index.ts';

const USAGE = 'usage: npm run admin -- revoke-keys <idNat> | list-keys <idNat>';

async function main(argv: string[]): Promise<number> {
  let positionals: string[];
  try {
    ({ positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} }));
  } catch (err) {
    console.error(`admin: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const [command, idNat] = positionals;
  if (!command || !['revoke-keys', 'list-keys'].includes(command) || !idNat || positionals.length !== 2) {
    console.error(`admin: ${command ? `unknown or incomplete command "${positionals.join(' ')}"` : 'no command'}\n${USAGE}`);
    return 2;
  }
  if (!ID_NAT_PATTERN.test(idNat)) {
    console.error(`admin: "${idNat}" is not a national identifier (1–40 letters or digits)`);
    return 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) console.error(formatProblem(problem));
    return 2;
  }
  const store = createStore(config.redis);
  if (store.kind === 'memory') {
    console.error('admin: REDIS_URL (or REDIS_SENTINELS / REDIS_CLUSTER_NODES) is not set: the admin commands act on the shared Redis store');
    return 2;
  }
  try {
    const credentials = createCredentialRepository(store, createKeys(config.redis.prefix));
    if (command === 'list-keys') {
      const list = await credentials.listByAccount(idNat);
      for (const c of list) process.stdout.write(`${c.id}\t${c.kind}\t${c.name}\tcreated ${new Date(c.createdAt).toISOString()}${c.blocked ? '\tBLOCKED' : ''}\n`);
      process.stdout.write(`${list.length} key(s) for ${idNat}\n`);
      return list.length ? 0 : 1;
    }
    const revoked = await credentials.revokeAll(idNat);
    process.stdout.write(`revoked ${revoked} key(s) of ${idNat}\n`);
    return revoked ? 0 : 1;
  } finally {
    await store.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
