/**
 * Reads keys/jwks.json and keys/cookie-keys.json and checks them: private keys only, known
 * algorithms, unique kids, cookie keys long enough. Outside production, missing files are
 * created (the gateway then says so in its log); in production they must already exist. A file
 * this process may not read stops start-up with its owner and the fix (access.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { generateCookieKeys, generateSigningKeys } from './generate.ts';
import { keyFileExists, unreadableKeyFile } from './access.ts';
import { KeyFileError } from './errors.ts';

export { KeyFileError };

export const JWKS_FILE = 'jwks.json';
export const COOKIE_KEYS_FILE = 'cookie-keys.json';
export const AUDIT_MAC_KEY_FILE = 'audit-mac-key.json';
const ALGS = new Set(['ES256', 'RS256', 'PS256', 'EdDSA']);

export interface LoadedKeys {
  jwks: { keys: JWK[] };
  cookieKeys: string[];
  /** Key of the audit trail's MAC (AUDIT_MAC_KEY, else keys/audit-mac-key.json). */
  auditMacKey: string;
  /** Files created by this call (first run outside production). */
  created: string[];
}

export interface LoadKeysOptions {
  dir: string;
  /** Create missing files instead of failing (never in production). */
  createIfMissing: boolean;
  /** Cookie keys given by configuration (COOKIE_KEYS) take precedence over the file. */
  cookieKeys?: string[];
  /** The audit MAC key given by configuration (AUDIT_MAC_KEY) takes precedence over the file. */
  auditMacKey?: string;
}

export async function loadKeys(options: LoadKeysOptions): Promise<LoadedKeys> {
  const created: string[] = [];
  const jwksPath = join(options.dir, JWKS_FILE);
  const cookiePath = join(options.dir, COOKIE_KEYS_FILE);
  if (!keyFileExists(jwksPath)) {
    if (!options.createIfMissing) throw new KeyFileError(jwksPath, 'missing — run `npm run keys` and mount the folder (KEYS_DIR)');
    writeSecretFile(jwksPath, await generateSigningKeys());
    created.push(jwksPath);
  }
  if (!options.cookieKeys && !keyFileExists(cookiePath)) {
    if (!options.createIfMissing) throw new KeyFileError(cookiePath, 'missing — run `npm run keys` or set COOKIE_KEYS');
    writeSecretFile(cookiePath, generateCookieKeys());
    created.push(cookiePath);
  }
  const auditPath = join(options.dir, AUDIT_MAC_KEY_FILE);
  if (!options.auditMacKey && !keyFileExists(auditPath)) {
    if (!options.createIfMissing) throw new KeyFileError(auditPath, 'missing — set AUDIT_MAC_KEY or run `npm run keys`');
    writeSecretFile(auditPath, generateCookieKeys()[0]);
    created.push(auditPath);
  }
  const jwks = checkJwks(jwksPath, readJson(jwksPath));
  const cookieKeys = options.cookieKeys ?? checkCookieKeys(cookiePath, readJson(cookiePath));
  const auditMacKey = options.auditMacKey ?? checkSecret(auditPath, readJson(auditPath));
  return { jwks, cookieKeys, auditMacKey, created };
}

export function writeSecretFile(path: string, data: unknown): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw unreadableKeyFile(path);
    throw new KeyFileError(path, `not readable JSON (${(err as Error).message})`);
  }
}

export function checkJwks(file: string, data: unknown): { keys: JWK[] } {
  const keys = (data as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new KeyFileError(file, 'expected {"keys": [ … ]} with at least one key');
  const kids = new Set<string>();
  keys.forEach((key: JWK, i) => {
    if (!key || typeof key !== 'object') throw new KeyFileError(file, `keys[${i}] is not a JSON object`);
    if (!key.kid) throw new KeyFileError(file, `keys[${i}] has no "kid"`);
    if (kids.has(key.kid)) throw new KeyFileError(file, `keys[${i}] repeats kid "${key.kid}" — every kid must be unique`);
    kids.add(key.kid);
    if (!key.alg || !ALGS.has(key.alg))
      throw new KeyFileError(file, `keys[${i}] (kid ${key.kid}) has alg ${JSON.stringify(key.alg)}, expected one of ${[...ALGS].join(', ')}`);
    if (!key.d) throw new KeyFileError(file, `keys[${i}] (kid ${key.kid}) is a public key; the gateway needs the private key to sign`);
  });
  return { keys: keys as JWK[] };
}

function checkCookieKeys(file: string, data: unknown): string[] {
  if (!Array.isArray(data) || data.length === 0 || data.some((k) => typeof k !== 'string' || k.length < 32)) {
    throw new KeyFileError(file, 'expected a JSON array of strings of at least 32 characters, newest first');
  }
  return data as string[];
}

/** The audit MAC key alone (admin and audit commands): AUDIT_MAC_KEY, else keys/audit-mac-key.json. */
export function loadAuditMacKey(dir: string, configured: string | undefined): string {
  if (configured) return configured;
  const path = join(dir, AUDIT_MAC_KEY_FILE);
  if (!keyFileExists(path)) throw new KeyFileError(path, "missing — set AUDIT_MAC_KEY or KEYS_DIR to the gateway's keys folder");
  return checkSecret(path, readJson(path));
}

function checkSecret(file: string, data: unknown): string {
  if (typeof data !== 'string' || data.length < 32) throw new KeyFileError(file, 'expected a JSON string of at least 32 characters');
  return data;
}
