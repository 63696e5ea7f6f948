/**
 * A refresh counts as its session's activity (idle limit): the gateway reads the session's record
 * (its assurance, with the administrator's revocation beside it) to decide whether to write it
 * (at most once a minute). That read waited for the answer to be ready — the new tokens saved,
 * the spend, the audit commit — and then cost a round trip of its own before the answer left
 * (issue 24: fewer round trips per request; one costs the gateway some 0.1 ms of CPU). It is now
 * started as soon as the refresh grant knows the token's session, and goes to Redis with the
 * token's consumption (its claim). A hospital application refreshes each session's tokens every
 * few minutes, so this read is made by nearly every refresh in production.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Stack } from '../support/stack.ts';
import { startHeldStack, type HeldStack } from '../support/held-stack.ts';
import { assertSentTogether, sentDuring, shownTurns, type HoldingProxy } from '../support/redis-holding-proxy.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, signIn } from '../support/psc-login.ts';
import { refreshAsTestRp } from '../support/token-requests.ts';

let held: HeldStack | undefined;
let stack: Stack;
let proxy: HoldingProxy;

beforeAll(async () => {
  held = await startHeldStack('refresh-activity-read-early');
  ({ stack, proxy } = held);
});
afterAll(() => held?.close());

const SESSION_RECORD = /\{su:[^}]+\}:assurance$/;
const REFRESH_TOKEN_CLAIM = /\{RefreshToken:[^}]+\}:RefreshToken:used$/;

describe("a refresh's session activity, read with the token's consumption", () => {
  it('the read of the session record goes in the round trip of the claim; read once; the refresh answers', { timeout: 60_000 }, async () => {
    const tokens = await exchange(await signIn(stack, new TestBrowser()));
    const { result, sent } = await sentDuring(proxy, () => refreshAsTestRp(stack, tokens.refresh_token!));
    assert.equal(result.status, 200, `the refresh answers: ${JSON.stringify(result.body.error)}`);
    const shown = shownTurns(sent);
    const recordReads = sent.filter((c) => c.args[0]!.toLowerCase() === 'mget' && SESSION_RECORD.test(c.args[1]!));
    assert.equal(recordReads.length, 1, `the session's record read once:\n${shown}`);
    const claims = sent.filter((c) => c.args[0]!.toLowerCase() === 'set' && REFRESH_TOKEN_CLAIM.test(c.args[1]!) && c.args.includes('NX'));
    assert.equal(claims.length, 1, `the refresh token claimed once:\n${shown}`);
    assertSentTogether(sent, recordReads[0]!, claims[0]!, "the session record's read and the token's claim");
  });
});
