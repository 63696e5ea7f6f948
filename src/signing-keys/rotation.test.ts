import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { generateSigningKeys } from './generate.ts';
import { cookieKeyFingerprint, rotate, type KeyFiles, type RotationState } from './rotation.ts';

const HOUR = 3_600_000;
const times = { publishMs: 24 * HOUR, graceMs: 12 * HOUR };
const at = (hours: number) => new Date(Date.UTC(2026, 10, 23) + hours * HOUR);

async function initial(): Promise<{ files: KeyFiles; state: RotationState }> {
  return { files: { jwks: await generateSigningKeys(), cookieKeys: ['cookie-key-0'] }, state: { retiring: [] } };
}

describe('key rotation steps (keys/rotation.ts)', () => {
  it('publishes one new key per algorithm after the signing ones, and a cookie key last', async () => {
    const { files, state } = await initial();
    const [es, rs] = files.jwks.keys;
    const step = await rotate(files, state, at(0), times);
    assert.deepEqual(
      step.files.jwks.keys.map((k) => k.alg),
      ['ES256', 'RS256', 'ES256', 'RS256'],
    );
    assert.equal(step.files.jwks.keys[0]!.kid, es!.kid, 'the current ES256 key still signs');
    assert.equal(step.files.jwks.keys[1]!.kid, rs!.kid, 'the current RS256 key still signs');
    assert.equal(step.files.cookieKeys[0], 'cookie-key-0', 'the current cookie key still signs');
    assert.equal(step.files.cookieKeys.length, 2);
    assert.deepEqual(
      step.state.next?.kids,
      step.files.jwks.keys.slice(2).map((k) => k.kid),
    );
    assert.equal(step.state.next?.cookieKey, cookieKeyFingerprint(step.files.cookieKeys[1]!));
    assert.ok(!JSON.stringify(step.state).includes(step.files.cookieKeys[1]!), 'the state names cookie keys by fingerprint only');
  });

  it('waits for the publication period, then promotes; never publishes and promotes in one run', async () => {
    const { files, state } = await initial();
    const published = await rotate(files, state, at(0), { publishMs: 0, graceMs: times.graceMs });
    assert.match(published.actions.join(), /published/);
    assert.doesNotMatch(published.actions.join(), /promoted/, 'even with no publication period, the same run does not promote');
    const early = await rotate(published.files, published.state, at(0), times);
    assert.match(early.actions.join(), /^waiting/);
    assert.deepEqual(early.files, published.files, 'nothing changes while waiting');
    const promoted = await rotate(published.files, published.state, at(24), times);
    const newKids = published.state.next!.kids;
    assert.deepEqual(
      promoted.files.jwks.keys.slice(0, 2).map((k) => k.kid),
      newKids,
      'the new keys come first: they sign',
    );
    assert.deepEqual(
      promoted.files.jwks.keys.slice(2).map((k) => k.kid),
      files.jwks.keys.map((k) => k.kid),
      'the old ones stay, after them',
    );
    assert.equal(cookieKeyFingerprint(promoted.files.cookieKeys[0]!), published.state.next!.cookieKey, 'the new cookie key signs');
    assert.equal(promoted.files.cookieKeys[1], 'cookie-key-0', 'the old cookie key still verifies');
    assert.equal(promoted.state.next, undefined);
    assert.deepEqual(
      promoted.state.retiring.map((r) => r.until),
      [at(36), at(36), at(36)].map((d) => d.toISOString()),
    );
  });

  it('removes the retired keys once the grace period is over, and not before', async () => {
    const { files, state } = await initial();
    const published = await rotate(files, state, at(0), times);
    const promoted = await rotate(published.files, published.state, at(24), times);
    const during = await rotate(promoted.files, promoted.state, at(35), times);
    assert.equal(during.files.jwks.keys.length, 6, 'during the grace period: old, new, and a newly published pair');
    assert.ok(files.jwks.keys.every((old) => during.files.jwks.keys.some((k) => k.kid === old.kid)));
    const afterGrace = await rotate(during.files, during.state, at(36), times);
    assert.ok(
      files.jwks.keys.every((old) => !afterGrace.files.jwks.keys.some((k) => k.kid === old.kid)),
      'old signing keys removed',
    );
    assert.ok(!afterGrace.files.cookieKeys.includes('cookie-key-0'), 'old cookie key removed');
    assert.equal(afterGrace.state.retiring.length, 0);
    assert.deepEqual(
      afterGrace.files.jwks.keys.slice(0, 2).map((k) => k.kid),
      published.state.next!.kids,
      'the promoted keys still sign',
    );
  });
});
