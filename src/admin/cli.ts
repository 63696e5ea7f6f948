/**
 * `npm run admin -- <command>`: operations for the IAM team, against the configured store.
 *   revoke-keys <idNat>   revokes every security key and passkey of a clinician (offboarding);
 *                         recorded in the audit trail (admin.action, key.revoked)
 *   list-keys <idNat>     lists them
 * Exit codes: 0 done, 1 nothing to act on, 2 bad usage or configuration.
 */
import { parseArgs } from 'node:util';
import { loadConfigForCommand } from '../config/index.ts';
import { createBackend, createKeys } from '../store/index.ts';
import { loadAuditMacKey } from '../keys/load.ts';
import { createAuditMirrorLogger, createRedisAuditLog } from '../audit/index.ts';
import { instanceId } from '../logger.ts';
import { createCredentialRepository } from '../webauthn/index.ts';
import { ID_NAT_PATTERN } from '../accounts/index.ts';
import { createPilotFedRecorder } from '../pilot/recorder.ts';

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
  const config = loadConfigForCommand();
  if (!config) return 2;
  const { store, redis } = createBackend(config.redis);
  if (store.kind === 'memory' || !redis) {
    console.error('admin: REDIS_URL (or REDIS_SENTINELS / REDIS_CLUSTER_NODES) is not set: the admin commands act on the shared Redis store');
    return 2;
  }
  let auditMacKey: string;
  try {
    auditMacKey = loadAuditMacKey(config.keys.dir, config.audit.macKey);
  } catch (err) {
    console.error(`admin: ${(err as Error).message}`);
    await store.close();
    return 2;
  }
  const keys = createKeys(config.redis.prefix);
  const log = createRedisAuditLog(redis, keys, auditMacKey);
  const audit = createPilotFedRecorder({ log, mirror: createAuditMirrorLogger(config.audit.logFile ?? 'stderr'), instance: `admin-cli:${instanceId()}` }, store, keys);
  const operator = process.env.SUDO_USER ?? process.env.USER ?? 'unknown';
  try {
    const credentials = createCredentialRepository(store, keys);
    if (command === 'list-keys') {
      const list = await credentials.listByAccount(idNat);
      for (const c of list) process.stdout.write(`${c.id}\t${c.kind}\t${c.name}\tcreated ${new Date(c.createdAt).toISOString()}${c.blocked ? '\tBLOCKED' : ''}\n`);
      process.stdout.write(`${list.length} key(s) for ${idNat}\n`);
      await audit.record({ type: 'admin.action', outcome: 'info', details: { action: 'list-keys', target: idNat, operator, count: list.length } });
      return list.length ? 0 : 1;
    }
    const revoked = await credentials.revokeAll(idNat);
    await audit.record({ type: 'admin.action', outcome: 'success', details: { action: 'revoke-keys', target: idNat, operator, count: revoked } });
    if (revoked) await audit.record({ type: 'key.revoked', outcome: 'success', actor: idNat, details: { by: 'admin', count: revoked, keysLeft: 0, operator } });
    process.stdout.write(`revoked ${revoked} key(s) of ${idNat}\n`);
    return revoked ? 0 : 1;
  } finally {
    await log.close();
    await store.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
