/**
 * A token bound to its session is checked against its session and its grant; both are read in
 * one round trip, right after the token (issue 24: fewer round trips per request). oidc-provider
 * reads the token, then the session (is the token still its session's?), then the grant, each
 * once the one before has answered: three round trips before a userinfo answer, where the token
 * names both others. A proxy between the gateway and its own redis-server (redis-holding-proxy.ts)
 * numbers each command with its connection's turn — how many answers had come back on it — so
 * that two commands of one turn went without waiting for each other. Each record is still read
 * once per request, and by each request: nothing read for one request serves another.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import type { Stack } from '../support/stack.ts';
import { startHeldStack, type HeldStack } from '../support/held-stack.ts';
import { assertSentTogether, sentDuring, shownTurns, type HoldingProxy, type SentCommand } from '../support/redis-holding-proxy.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, signIn } from '../support/psc-login.ts';
import { refreshAsTestRp } from '../support/token-requests.ts';

let held: HeldStack | undefined;
let stack: Stack;
let proxy: HoldingProxy;

beforeAll(async () => {
  held = await startHeldStack('token-reads-together');
  ({ stack, proxy } = held);
});
afterAll(() => held?.close());

const SESSION_RECORD = /\{Session:[^}]+\}:Session:json$/;
const GRANT_RECORD = /\{g:[^}]+\}:Grant:json$/;

const sentBy = <T>(request: () => Promise<T>) => sentDuring(proxy, request);

/** The reads of the session's and the grant's records among `sent`: each read once, both in one turn of one connection. */
function assertReadTogether(sent: SentCommand[], what: string): void {
  const reads = (record: RegExp) => sent.filter((c) => c.args[0]!.toLowerCase() === 'get' && record.test(c.args[1]!));
  const [sessions, grants] = [reads(SESSION_RECORD), reads(GRANT_RECORD)];
  const shown = shownTurns(sent);
  assert.equal(sessions.length, 1, `${what}: the session's record read once:\n${shown}`);
  assert.equal(grants.length, 1, `${what}: the grant's record read once:\n${shown}`);
  assertSentTogether(sent, sessions[0]!, grants[0]!, `${what}: the session's and the grant's reads`);
}

describe("a session-bound token's session and grant, read in one round trip", () => {
  it('at the code exchange, userinfo, refresh and introspection; each request reads them itself', { timeout: 60_000 }, async () => {
    const signedIn = await signIn(stack, new TestBrowser());

    const exchanged = await sentBy(() => exchange(signedIn));
    assertReadTogether(exchanged.sent, 'code exchange');
    const tokens = exchanged.result;

    const me = await sentBy(() => client.fetchUserInfo(signedIn.config, tokens.access_token, client.skipSubjectCheck));
    assert.ok(me.result.sub, 'userinfo answers');
    assertReadTogether(me.sent, 'userinfo');
    // The next request reads them again: what one request read is not another's.
    const again = await sentBy(() => client.fetchUserInfo(signedIn.config, tokens.access_token, client.skipSubjectCheck));
    assert.equal(again.result.sub, me.result.sub);
    assertReadTogether(again.sent, 'userinfo again');

    const refreshed = await sentBy(() => refreshAsTestRp(stack, tokens.refresh_token!));
    assert.equal(refreshed.result.status, 200, `the refresh answers: ${JSON.stringify(refreshed.result.body.error)}`);
    assertReadTogether(refreshed.sent, 'refresh');

    const introspected = await sentBy(() => client.tokenIntrospection(signedIn.config, refreshed.result.body.access_token!));
    assert.equal(introspected.result.active, true, 'the new access token is active');
    assertReadTogether(introspected.sent, 'introspection');
  });
});
