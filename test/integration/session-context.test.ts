/**
 * When a session's browser or address changes (sessions.browserChange, sessions.addressChange),
 * over real HTTP: the session cookie carried into another browser (another User-Agent), or used
 * from another client address (the test's HTTP client stands for the reverse proxy and names
 * the address in X-Forwarded-For). Defaults: another browser signs in again, an address change
 * outside declared networks is audited and the session goes on, a move between declared
 * networks is nothing. The other settings: ignore, and end (the session ends everywhere).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { authorizationRequest, exchange, isRpRedirect, signIn } from '../support/psc-login.ts';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36';

/** A browser whose User-Agent and client address the test changes while its cookies stay. */
function movableBrowser(start: { userAgent: string; address: string }) {
  const where = { ...start };
  const browser = new TestBrowser({
    fetch: (input, init) =>
      fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), 'user-agent': where.userAgent, 'x-forwarded-for': where.address } }),
  });
  return { browser, where };
}

/** The session's next authorization request: straight back to the application (single sign-on), or a sign-in page. */
async function nextAuthorization(stack: Stack, browser: TestBrowser) {
  const request = await authorizationRequest(stack);
  const result = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
  return { request, ...result };
}

async function changes(stack: Stack) {
  return (await stack.gateways[0]!.auditLog.range({ order: 'newest-first', limit: 30 })).filter((e) => e.type === 'session.changed');
}

describe('session context: the defaults', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      name: 'session-context',
      overrides: {
        'http.trustProxy': 'loopback',
        'limits.networks': [{ name: 'chu-nord', cidrs: ['203.0.113.0/28'] }],
        'sessions.sharedWorkstation.networks': ['10.12.0.0/16'],
      },
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('a different browser is asked to sign in again; the change is audited; the first browser goes on', async () => {
    const { browser, where } = movableBrowser({ userAgent: FIREFOX, address: '198.51.100.10' });
    await exchange(await signIn(stack, browser, { choice: { practitioner: '810101234561' } }));
    assert.ok((await nextAuthorization(stack, browser)).stoppedAt, 'same browser: single sign-on');

    where.userAgent = CHROME;
    const moved = await nextAuthorization(stack, browser);
    assert.equal(moved.stoppedAt, undefined, 'another browser does not get single sign-on');
    assert.equal(moved.page?.status, 200);
    assert.match(moved.page!.text, /ouverte dans un autre navigateur/);
    const [change] = await changes(stack);
    assert.equal(change?.actor, '810101234561');
    assert.equal(change?.details?.change, 'browser');
    assert.equal(change?.details?.action, 'reauthenticate');
    assert.equal((await browser.request(`${stack.issuer}/account`)).status, 303, '/account does not open for the other browser either');

    where.userAgent = FIREFOX;
    assert.ok((await nextAuthorization(stack, browser)).stoppedAt, 'the browser the session was opened in is not affected');
  });

  it('an address change outside the declared networks is audited once and the session goes on', async () => {
    const { browser, where } = movableBrowser({ userAgent: FIREFOX, address: '10.12.3.4' });
    await exchange(await signIn(stack, browser, { choice: { practitioner: '810102345672' } }));
    const before = (await changes(stack)).length;
    where.address = '192.0.2.77';
    assert.ok((await nextAuthorization(stack, browser)).stoppedAt, 'audited, not interrupted');
    const [change] = await changes(stack);
    assert.equal(change?.details?.change, 'address');
    assert.equal(change?.details?.action, 'audit');
    assert.equal(change?.details?.fromNetwork, 'shared-workstation');
    assert.equal(change?.ip, '192.0.2.0', 'the new address, reduced per audit.ip');
    assert.ok((await nextAuthorization(stack, browser)).stoppedAt);
    assert.equal((await changes(stack)).length, before + 1, 'recorded once: the session goes on from its new address');
  });

  it('a move between declared networks (shared workstations, a ward NAT) is no change', async () => {
    const { browser, where } = movableBrowser({ userAgent: FIREFOX, address: '10.12.3.5' });
    await exchange(await signIn(stack, browser, { choice: { practitioner: '810104567894' } }));
    const before = (await changes(stack)).length;
    where.address = '203.0.113.5';
    assert.ok((await nextAuthorization(stack, browser)).stoppedAt);
    assert.equal((await changes(stack)).length, before);
  });
});

describe('session context: ignore and end', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      name: 'session-context-end',
      overrides: { 'http.trustProxy': 'loopback', 'sessions.browserChange': 'ignore', 'sessions.addressChange': 'end' },
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('browserChange ignore: another browser keeps single sign-on, nothing is recorded', async () => {
    const { browser, where } = movableBrowser({ userAgent: FIREFOX, address: '198.51.100.20' });
    await exchange(await signIn(stack, browser, { choice: { practitioner: '810101234561' } }));
    where.userAgent = CHROME;
    assert.ok((await nextAuthorization(stack, browser)).stoppedAt);
    assert.equal((await changes(stack)).length, 0);
  });

  it('addressChange end: the session ends, also for the address it was opened from', async () => {
    const { browser, where } = movableBrowser({ userAgent: FIREFOX, address: '198.51.100.21' });
    await exchange(await signIn(stack, browser, { choice: { practitioner: '810102345672' } }));
    where.address = '192.0.2.99';
    const moved = await nextAuthorization(stack, browser);
    assert.equal(moved.stoppedAt, undefined);
    const [change] = await changes(stack);
    assert.equal(change?.details?.action, 'end');
    assert.equal(change?.outcome, 'failure');
    where.address = '198.51.100.21';
    const back = await nextAuthorization(stack, browser);
    assert.equal(back.stoppedAt, undefined, 'ended: the first address must sign in again too');
    assert.match(back.page!.text, /Identifiez-vous|identifiez-vous/);
  });
});
