/**
 * A code or refresh token presented twice at once — an application's double submit, or an
 * attacker racing the application with a stolen one — buys tokens once, never twice: two
 * token sets from one code, or two refresh chains from one refresh token, would each live on
 * unseen by the replay detection (a spent token presented again revokes its grant; two live
 * chains never present a spent one). oidc-provider reads the code or token, checks it is not
 * consumed, then consumes it: two requests can both read it before either consumes it. The
 * request that consumes second is answered "try again" (503, as a lookup during another
 * request's consumption is, store/token-consumption.ts), and the audit trail says so
 * (`token.replayed`, reason `…-presented-at-once`: the grant not revoked); tried again, it is the replay.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, signIn } from '../support/psc-login.ts';
import { refreshAsTestRp, tryExchange } from '../support/token-requests.ts';
import { diagnostic } from '../support/diagnostic.ts';

let stack: Stack;
const logs: string[] = [];
beforeAll(async () => {
  stack = await startStack({ name: 'concurrent-redemption', logs });
});
afterAll(async () => {
  await stack?.close();
});

/** Each round races two requests; a handful of rounds makes both read before either consumes. */
const ROUNDS = 8;

const refresh = (refreshToken: string) => refreshAsTestRp(stack, refreshToken);

/** The exchange's HTTP status as the relying party sees it. */
async function exchangeStatus(signedIn: Awaited<ReturnType<typeof signIn>>): Promise<number> {
  const { refused } = await tryExchange(signedIn);
  return refused ? refused.status : 200;
}

/** The trail's token.replayed events of a presentation refused because another request consumed the code or token at the same time. */
async function presentedAtOnce(reason: string): Promise<number> {
  const events = (await stack.gateways[0]!.auditLog.range({})).filter((e) => e.type === 'token.replayed' && e.reason === reason);
  assert.equal(
    logs.some((line) => line.includes('store unavailable')),
    false,
    'not logged as an outage of the store: the store answered',
  );
  for (const event of events) {
    assert.equal(event.outcome, 'failure');
    assert.equal(event.clientId, 'test-rp');
    assert.match(String((event.details as { grant?: unknown }).grant), /^[0-9a-f]{16}$/, 'the grant, hashed');
  }
  return events.length;
}

describe('a code or refresh token presented twice at once', () => {
  it('a code exchanged twice at once gives tokens to one exchange only', { timeout: 60_000 }, async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const signedIn = await signIn(stack, new TestBrowser());
      const statuses = await Promise.all([exchangeStatus(signedIn), exchangeStatus(signedIn)]);
      outcomes.push(statuses.sort().join('+'));
      assert.equal(statuses.filter((s) => s === 200).length, 1, `round ${round}: ${statuses.join(', ')}`);
      assert.ok(
        statuses.every((s) => [200, 400, 503].includes(s)),
        `round ${round}: ${statuses.join(', ')}`,
      );
    }
    diagnostic(`code exchanged twice at once, ${ROUNDS} rounds: ${outcomes.join('; ')}`);
    const atOnce = outcomes.filter((o) => o === '200+503').length;
    assert.ok(atOnce > 0, 'the race was run: some rounds had both exchanges read the code before either consumed it');
    assert.equal(await presentedAtOnce('code-presented-at-once'), atOnce, 'each refused presentation is in the audit trail');
  });

  it('a refresh token refreshed twice at once gives one new refresh token only', { timeout: 60_000 }, async () => {
    const outcomes: string[] = [];
    let { refresh_token: token } = await exchange(await signIn(stack, new TestBrowser()));
    for (let round = 0; round < ROUNDS; round += 1) {
      const answers = await Promise.all([refresh(token!), refresh(token!)]);
      outcomes.push(
        answers
          .map((a) => a.status)
          .sort()
          .join('+'),
      );
      const granted = answers.filter((a) => a.status === 200);
      assert.equal(granted.length, 1, `round ${round}: ${answers.map((a) => `${a.status} ${a.body.error ?? ''}`).join(', ')}`);
      assert.ok(answers.every((a) => [200, 400, 503].includes(a.status)));
      token = granted[0]!.body.refresh_token;
      if (answers.some((a) => a.status === 400)) break; // the loser came after the answer: a replay, the grant revoked
    }
    diagnostic(`refresh token refreshed twice at once: ${outcomes.join('; ')}`);
    const atOnce = outcomes.filter((o) => o === '200+503').length;
    assert.ok(atOnce > 0, 'the race was run');
    assert.equal(await presentedAtOnce('refresh-token-presented-at-once'), atOnce, 'each refused presentation is in the audit trail');
  });
});
