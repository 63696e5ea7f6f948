import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { checkJwks, loadKeys, KeyFileError } from './load.ts';
import { generateSigningKey } from './generate.ts';

describe('signing and cookie keys', () => {
  it('creates ES256 then RS256 keys with unique kids, readable only by the owner', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    const keys = await loadKeys({ dir, createIfMissing: true });
    assert.deepEqual(
      keys.jwks.keys.map((k) => k.alg),
      ['ES256', 'RS256'],
    );
    assert.notEqual(keys.jwks.keys[0]!.kid, keys.jwks.keys[1]!.kid);
    assert.equal(statSync(join(dir, 'jwks.json')).mode & 0o077, 0);
    assert.equal(keys.created.length, 3);
    assert.ok(keys.auditMacKey.length >= 32);
    const again = await loadKeys({ dir, createIfMissing: true });
    assert.equal(again.created.length, 0);
    assert.equal(again.jwks.keys[0]!.kid, keys.jwks.keys[0]!.kid);
  });

  it('refuses to start without keys in production', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    await assert.rejects(loadKeys({ dir, createIfMissing: false }), KeyFileError);
  });

  it('refuses public keys, duplicate kids and unknown algorithms', async () => {
    const key = await generateSigningKey('ES256');
    const { d: _d, ...pub } = key;
    assert.throws(() => checkJwks('f', { keys: [pub] }), /public key/);
    assert.throws(() => checkJwks('f', { keys: [key, key] }), /repeats kid/);
    assert.throws(() => checkJwks('f', { keys: [{ ...key, alg: 'HS256' }] }), /alg "HS256"/);
    assert.throws(() => checkJwks('f', {}), /at least one key/);
  });

  it('npm run keys writes keys once and refuses to overwrite without --force', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    const run = (...args: string[]) => spawnSync(process.execPath, ['src/signing-keys/cli.ts', '--dir', dir, ...args], { encoding: 'utf8' });
    const first = run();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /wrote .*jwks\.json \(kids ES256:.+, RS256:.+\), .*cookie-keys\.json and .*audit-mac-key\.json/);
    const second = run();
    assert.equal(second.status, 2);
    assert.match(second.stderr, /already exist; nothing changed/);
    assert.equal(run('--force').status, 0);
    assert.equal(run('--bogus').status, 2);
    writeFileSync(join(dir, 'x'), '');
  });
});
