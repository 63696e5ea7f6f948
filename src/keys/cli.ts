/**
 * `npm run keys [-- --force] [-- --dir keys]`: creates signing keys, cookie keys and the audit MAC key in the
 * keys folder. Existing files are kept unless --force is given (rotation: docs/operations.md).
 * Exit codes: 0 done, 2 bad arguments or existing keys without --force.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateCookieKeys, generateSigningKeys } from './generate.ts';
import { AUDIT_MAC_KEY_FILE, COOKIE_KEYS_FILE, JWKS_FILE, writeSecretFile } from './load.ts';

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { force: { type: 'boolean', default: false }, dir: { type: 'string', default: process.env.KEYS_DIR ?? 'keys' } } });
  } catch (err) {
    console.error(`keys: ${(err as Error).message}\nusage: npm run keys [-- --force] [-- --dir <folder>]`);
    return 2;
  }
  const { force, dir } = args.values;
  const jwksPath = join(dir, JWKS_FILE);
  const cookiePath = join(dir, COOKIE_KEYS_FILE);
  const auditPath = join(dir, AUDIT_MAC_KEY_FILE);
  const existing = [jwksPath, cookiePath, auditPath].filter((p) => existsSync(p));
  if (existing.length && !force) {
    console.error(`keys: ${existing.join(' and ')} already exist; nothing changed.\nUse --force to replace them (this invalidates every issued token and session).`);
    return 2;
  }
  const jwks = await generateSigningKeys();
  writeSecretFile(jwksPath, jwks);
  writeSecretFile(cookiePath, generateCookieKeys());
  writeSecretFile(auditPath, generateCookieKeys()[0]);
  process.stdout.write(`keys: wrote ${jwksPath} (kids ${jwks.keys.map((k) => `${k.alg}:${k.kid}`).join(', ')}), ${cookiePath} and ${auditPath}\n`);
  return 0;
}

process.exitCode = await main();
