/**
 * A code or refresh token presented twice at once — an application's double submit, or an
 * attacker racing the application with a stolen one — buys tokens once, never twice: two
 * token sets from one code, or two refresh chains from one refresh token, would each live on
 * unseen by the replay detection (a spent token presented again revokes its grant; two live
 * chains never present a spent one). oidc-provider reads the code or token, checks it is not
 * consumed, then consumes it: two requests can both read it before either consumes it. The
 * request that consumes second is answered "try again" (503, as a lookup during another
 * request's consumption is, store/token-consumption.ts); tried again, it is the replay.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, signIn } from '../support/psc-login.ts';
import { diagnostic } from '../support/diagnostic.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'concurrent-redemption' });
});
afterAll(async () => {
  await stack?.close();
});

/** Each round races two requests; a handful of rounds makes both read before either consumes. */
const ROUNDS = 8;

async function refresh(refreshToken: string) {
  const response = await fetch(`${stack.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`test-rp:${stack.secrets['test-rp']}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as { error?: string; refresh_token?: string } };
}

/** The exchange's HTTP status as the relying party sees it (openid-client: a 4xx as ResponseBodyError, a 5xx with the response as cause). */
async function exchangeStatus(signedIn: Awaited<ReturnType<typeof signIn>>): Promise<number> {
  try {
    await exchange(signedIn);
    return 200;
  } catch (err) {
    if (err instanceof client.ResponseBodyError) return err.status;
    const response = (err as { cause?: unknown }).cause;
    if (response instanceof Response) return response.status;
    throw err;
  }
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
  });
});
