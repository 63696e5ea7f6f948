/**
 * The checks that an authentication was not ended while its pages were open — the account's
 * sessions ended by an administrator, the key revoked, the session revoked — read the store
 * afresh, and each read went once the one before had answered: two round trips at the key's
 * verify step and two as the provider takes the login over, where one suffices (issue 24: fewer
 * round trips per request). A proxy between the gateway and its own redis-server
 * (redis-holding-proxy.ts) numbers each command with its connection's turn — how many answers
 * had come back on it — so that two commands of one turn went without waiting for each other.
 * The checks refuse as before (test/integration/assurance-integrity.test.ts: sessions ended by an
 * administrator while a consent or an enrolment page was open); when several reasons hold, the
 * same one is given (the reads are sent together, then looked at in the same order).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Stack } from '../support/stack.ts';
import { startHeldStack, type HeldStack } from '../support/held-stack.ts';
import { assertSentTogether, sentDuring, shownTurns as shown, type HoldingProxy, type SentCommand } from '../support/redis-holding-proxy.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange } from '../support/psc-login.ts';
import { createSoftAuthenticator } from '../support/soft-authenticator.ts';
import { ceremony, followToRp, interactionPath, loginPage, pscUntilNextStep } from '../support/key-journey.ts';

let held: HeldStack | undefined;
let stack: Stack;
let proxy: HoldingProxy;

beforeAll(async () => {
  held = await startHeldStack('sign-in-reads-together');
  ({ stack, proxy } = held);
});
afterAll(() => held?.close());

const PRACTITIONER = '810104567894';

const sentBy = <T>(step: () => Promise<T>) => sentDuring(proxy, step);

/** The last command of `name` on a key that `key` matches. */
function last(sent: SentCommand[], name: string, key: RegExp): SentCommand {
  const found = sent.findLast((c) => c.args[0]!.toLowerCase() === name && key.test(c.args[1]!));
  assert.ok(found, `a ${name} of ${key}:\n${shown(sent)}`);
  return found;
}

const ACCOUNT_ENDED = new RegExp(`\\{a:${PRACTITIONER}\\}:authentications-ended$`);
const ACCOUNT_KEYS = new RegExp(`\\{a:${PRACTITIONER}\\}:credentials$`);
const SESSION_ASSURANCE = /\{su:[^}]+\}:assurance$/;

describe('the checks that a sign-in was not ended meanwhile, read in one round trip', () => {
  it(
    "at the key's verify step (account's sessions, key still listed) and as the provider takes the login (account's sessions, session revoked)",
    { timeout: 60_000 },
    async () => {
      // A key enrolled after a PSC sign-in; then a sign-in with the key alone.
      const key = createSoftAuthenticator();
      const enrolling = new TestBrowser();
      const { request: first, page } = await pscUntilNextStep(stack, enrolling, { practitioner: PRACTITIONER, means: 'card' });
      const { verify: enrolled } = await ceremony(enrolling, stack, interactionPath(page!), 'enrol', key, { name: 'Clé du bloc' });
      await exchange({ ...first, callback: await followToRp(enrolling, stack, enrolled) });

      const browser = new TestBrowser();
      const { request, base } = await loginPage(stack, browser);
      const options = await browser.request(`${stack.issuer}${base}/webauthn/options`, { json: {} });
      assert.equal(options.status, 200, options.body);
      const response = key.authenticate(options.json as never, { origin: stack.issuer });
      const verify = await sentBy(() => browser.request(`${stack.issuer}${base}/webauthn/verify`, { json: { response } }));
      assert.equal(verify.result.status, 200, verify.result.body);
      assertSentTogether(
        verify.sent,
        last(verify.sent, 'get', ACCOUNT_ENDED),
        last(verify.sent, 'smembers', ACCOUNT_KEYS),
        "verify: the account's sessions and its keys",
      );

      const taken = await sentBy(() => followToRp(browser, stack, verify.result));
      assertSentTogether(
        taken.sent,
        last(taken.sent, 'get', ACCOUNT_ENDED),
        last(taken.sent, 'mget', SESSION_ASSURANCE),
        "login taken over: the account's sessions and the session's record",
      );
      const tokens = await exchange({ ...request, callback: taken.result });
      assert.ok(tokens.access_token, 'the sign-in completes');
    },
  );
});
