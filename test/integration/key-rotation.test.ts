/**
 * `npm run keys -- rotate` on a running stack: the new signing key is published before it
 * signs; once promoted, ID tokens signed before the rotation still verify and sessions made
 * before it still hold (the old keys stay for the grace period); retired, the old key is gone.
 * Each step ends with the gateways restarted, as docs/operations.md says.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, signIn } from '../support/psc-login.ts';

const run = promisify(execFile);

describe('key rotation (npm run keys -- rotate)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: 'key-rotation' });
  });
  afterAll(async () => {
    await stack.close();
  });

  const rotateNow = async () => {
    const { stdout } = await run(process.execPath, ['src/signing-keys/cli.ts', 'rotate', '--dir', stack.keysDir, '--publish-hours', '0', '--grace-hours', '1']);
    await stack.restartGateways();
    return stdout;
  };
  const published = async () => (await (await fetch(`${stack.issuer}/jwks`)).json()) as JSONWebKeySet;
  const kidOf = (idToken: string) => decodeProtectedHeader(idToken).kid;
  const verifies = async (idToken: string) => {
    try {
      await jwtVerify(idToken, createLocalJWKSet(await published()), { issuer: stack.issuer, audience: 'test-rp' });
      return true;
    } catch {
      return false;
    }
  };

  it('publishes, then signs with the new key while the old one still verifies, then retires it', async () => {
    const browser = new TestBrowser();
    const before = await exchange(await signIn(stack, browser));
    const oldKid = kidOf(before.id_token!);

    // 1. Published: in /jwks, not signing yet.
    assert.match(await rotateNow(), /published ES256:/);
    const newKid = (JSON.parse(readFileSync(join(stack.keysDir, 'rotation.json'), 'utf8')) as { next: { kids: string[] } }).next.kids[0]!;
    assert.notEqual(newKid, oldKid);
    assert.ok(
      (await published()).keys.some((k) => k.kid === newKid),
      'the new key is published',
    );
    const during = await exchange(await signIn(stack, new TestBrowser()));
    assert.equal(kidOf(during.id_token!), oldKid, 'the old key still signs while the new one is only published');

    // 2. Promoted: the new key signs; what the old key signed still verifies; old sessions hold.
    assert.match(await rotateNow(), /promoted ES256:/);
    const after = await exchange(await signIn(stack, new TestBrowser()));
    assert.equal(kidOf(after.id_token!), newKid, 'the new key signs');
    assert.equal(await verifies(before.id_token!), true, 'an ID token signed before the rotation verifies during the grace period');
    assert.equal(await verifies(after.id_token!), true);
    const again = await signIn(stack, browser);
    assert.equal(again.sawLoginPage, false, 'the session cookie signed with the old cookie key is still accepted');

    // 3. Past the grace period: the old keys are removed.
    const statePath = join(stack.keysDir, 'rotation.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as { retiring: Array<{ until: string }> };
    writeFileSync(statePath, JSON.stringify({ ...state, retiring: state.retiring.map((r) => ({ ...r, until: new Date(Date.now() - 1000).toISOString() })) }));
    assert.match(await rotateNow(), new RegExp(`retired signing key ${oldKid}`));
    assert.equal(
      (await published()).keys.some((k) => k.kid === oldKid),
      false,
      'the old key is no longer published',
    );
    assert.equal(await verifies(before.id_token!), false, 'its tokens no longer verify');
    assert.equal(await verifies(after.id_token!), true);
  });
});
