/**
 * The tokens a code or a refresh token buys are saved together, as the request answers, and
 * before what bought them is spent (issue 24: fewer, larger Redis calls). oidc-provider saves
 * the access token and the refresh token one after the other, each in a script call of its own
 * that lists it in its grant's index (an HSET and an EXPIRE of the same key each time); they now
 * go in one call, the grant's index written once with both. Redis `MONITOR` on a redis-server
 * of the file's own shows every command; the tokens are then used, so that nothing of what
 * they need was left unsaved: userinfo with the access token, a refresh with the refresh token,
 * and the grant's revocation (a spent refresh token presented again) that finds both in the index.
 * What bought them is spent in that same call, after them (one round trip, where it was two).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import type { Stack } from '../support/stack.ts';
import { startMonitoredStack, type MonitoredStack } from '../support/monitored-stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, signIn } from '../support/psc-login.ts';
import { refreshAsTestRp } from '../support/token-requests.ts';
import { createKeyNames } from '../../src/store/index.ts';
import type { MonitoredCommand, RedisMonitor } from '../support/redis-monitor.ts';

let monitored: MonitoredStack | undefined;
let stack: Stack;
let redis: RedisMonitor;

beforeAll(async () => {
  monitored = await startMonitoredStack('tokens-saved-together');
  ({ stack, redis } = monitored);
});
afterAll(() => monitored?.close());

const take = () => redis.take();

const TOKEN_RECORD = /\{(AccessToken|RefreshToken):[^}]+\}:\1:json$/;
const TOKEN_INDEX = /\{g:[^}]+\}:token-index$/;

/** What one token request did to the tokens it bought, read from MONITOR's lines. */
function tokenWrites(commands: MonitoredCommand[], spentKey: RegExp) {
  const name = (c: { args: string[] }) => c.args[0]!.toLowerCase();
  const calls = commands.filter((c) => c.source !== 'lua' && /^eval(sha)?$/.test(name(c)));
  // The calls that list a token in its grant's index (the spend does not touch it).
  const savingCalls = calls.filter((c) => c.args.slice(3, 3 + Number(c.args[2])).some((k) => TOKEN_INDEX.test(k)));
  const recordSets = commands.map((c, i) => ({ c, i })).filter(({ c }) => name(c) === 'set' && TOKEN_RECORD.test(c.args[1]!) && !c.args.includes('XX'));
  const indexHsets = commands.filter((c) => name(c) === 'hset' && TOKEN_INDEX.test(c.args[1]!));
  const indexExpires = commands.filter((c) => name(c) === 'expire' && TOKEN_INDEX.test(c.args[1]!));
  // The spend: the use mark of what was consumed written without its pending part (its last write in the request).
  const spendAt = commands.findLastIndex((c) => name(c) === 'set' && spentKey.test(c.args[1]!));
  // The call that sent each command: itself, or for a script's commands the script call before them.
  const callOf = (at: number) => commands.findLastIndex((c, i) => i <= at && c.source !== 'lua');
  const spentWithTokens = spendAt >= 0 && recordSets.every(({ i }) => callOf(i) === callOf(spendAt));
  return { savingCalls, recordSets, indexHsets, indexExpires, spendAt, spentWithTokens };
}

describe('the tokens a code or a refresh token buys, saved together before it is spent', () => {
  it('a code exchange, then a refresh: one script call saves both tokens each time, the grant listed once', { timeout: 60_000 }, async () => {
    const signedIn = await signIn(stack, new TestBrowser());
    await take();
    const tokens = await exchange(signedIn);
    const exchanged = tokenWrites(await take(), /\{AuthorizationCode:[^}]+\}:AuthorizationCode:used$/);
    assert.equal(
      exchanged.savingCalls.length,
      1,
      `one script call saves the tokens: ${exchanged.savingCalls.map((c) => c.args.slice(0, 8).join(' ')).join(' | ')}`,
    );
    assert.deepEqual(
      exchanged.recordSets.map(({ c }) => TOKEN_RECORD.exec(c.args[1]!)![1]).sort(),
      ['AccessToken', 'RefreshToken'],
      'both tokens saved, each once',
    );
    assert.equal(exchanged.indexHsets.length, 1, "the grant's index written once");
    assert.deepEqual(
      exchanged.indexHsets[0]!.args.slice(2)
        .filter((_, i) => i % 2 === 0)
        .map((f) => f.slice(0, 3))
        .sort(),
      ['AT:', 'RT:'],
      'with both tokens',
    );
    assert.equal(exchanged.indexExpires.length, 1, "the index's expiry set once");
    assert.ok(exchanged.spendAt > Math.max(...exchanged.recordSets.map(({ i }) => i)), 'the code is spent after the tokens are saved');
    assert.ok(exchanged.spentWithTokens, 'the code is spent in the script call that saves the tokens');

    const me = await client.fetchUserInfo(signedIn.config, tokens.access_token, client.skipSubjectCheck);
    assert.ok(me.sub, 'the access token works');

    const refreshed = await refreshAsTestRp(stack, tokens.refresh_token!);
    assert.equal(refreshed.status, 200, `the refresh token works: ${JSON.stringify(refreshed.body.error)}`);
    const rotated = tokenWrites(await take(), /\{RefreshToken:[^}]+\}:RefreshToken:used$/);
    assert.equal(
      rotated.savingCalls.length,
      1,
      `one script call saves the new tokens: ${rotated.savingCalls.map((c) => c.args.slice(0, 8).join(' ')).join(' | ')}`,
    );
    assert.equal(rotated.recordSets.length, 2, 'both new tokens saved, each once');
    assert.equal(rotated.indexHsets.length, 1, "the grant's index written once");
    assert.equal(rotated.indexExpires.length, 1, "the index's expiry set once");
    assert.ok(rotated.spendAt > Math.max(...rotated.recordSets.map(({ i }) => i)), 'the refresh token is spent after the new tokens are saved');
    assert.ok(rotated.spentWithTokens, 'the refresh token is spent in the script call that saves the new tokens');

    const afterRefresh = await client.fetchUserInfo(signedIn.config, refreshed.body.access_token!, client.skipSubjectCheck);
    assert.equal(afterRefresh.sub, me.sub, "the refresh's access token works");
    const again = await refreshAsTestRp(stack, refreshed.body.refresh_token!);
    assert.equal(again.status, 200, 'the rotated refresh token works');

    // A spent refresh token presented again revokes the grant: every token its index lists is deleted.
    const keyNames = createKeyNames(stack.prefix);
    const lastTokens = [keyNames.modelJson('AccessToken', again.body.access_token!), keyNames.modelJson('RefreshToken', again.body.refresh_token!)];
    assert.equal(
      (await stack.store.mget(lastTokens)).filter((text) => text !== null).length,
      2,
      'the last tokens are stored (opaque: their value is their id)',
    );
    const replayed = await refreshAsTestRp(stack, refreshed.body.refresh_token!);
    assert.equal(replayed.body.error, 'invalid_grant', 'the spent refresh token is refused');
    const revoked = await client.fetchUserInfo(signedIn.config, again.body.access_token!, client.skipSubjectCheck).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(revoked, 'the last access token died with its grant');
    assert.deepEqual(await stack.store.mget(lastTokens), [null, null], "both deleted: the grant's index listed them");
  });
});
