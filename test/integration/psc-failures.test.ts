/**
 * Upstream problems during the PSC round trip: refusal, PSC unreachable or slow, bad or
 * replayed state, wrong issuer, tampered ID tokens. The person gets a clear French page,
 * the relying party the right OAuth error when the person goes back, nothing is stored
 * for the rejected identity, and no answer is a 5xx other than a deliberate 503.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser, type Page } from '../support/browser.ts';
import { authorizationRequest, isRpRedirect } from '../support/psc-login.ts';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { once } from 'node:events';
import { ID_TOKEN_FAULTS } from '../../src/sandbox/psc/index.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { createSoftAuthenticator } from '../support/soft-authenticator.ts';
import { ceremony, followToRp, interactionPath, pscUntilNextStep } from '../support/key-journey.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'psc-failures' });
});
afterAll(async () => {
  await stack.close();
});

const isCallback = (url: URL) => url.pathname === '/federation/psc/callback';

/** Goes to PSC, logs in there, and stops just before the gateway's callback. */
async function untilCallback(browser: TestBrowser, practitioner = '810107890127') {
  const request = await authorizationRequest(stack);
  const login = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
  const psc = await browser.submit(login.page!, 'form[action$="/psc"]');
  const back = await browser.submit(psc.page!, 'form.login-form', { action: 'login', practitioner, means: 'card' }, { stopAt: isCallback });
  assert.ok(back.stoppedAt, 'PSC redirects to the gateway callback');
  return { request, callback: back.stoppedAt };
}

/** The person chooses "Revenir à l'application": where does the RP land? */
async function backToApp(browser: TestBrowser, page: Page): Promise<URL> {
  const result = await browser.submit(page, 'form[action$="/abort"]', {}, { stopAt: isRpRedirect });
  assert.ok(result.stoppedAt, `abort leads back to the relying party (got ${result.page?.status})`);
  return result.stoppedAt;
}

async function accountExists(idNat: string) {
  return (await stack.store.get(createKeyNames(stack.prefix).account(idNat))) !== null;
}

describe('PSC round-trip failures', () => {
  it('refusal at PSC: French page, then access_denied for the RP', async () => {
    const browser = new TestBrowser();
    const request = await authorizationRequest(stack);
    const login = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    const psc = await browser.submit(login.page!, 'form[action$="/psc"]');
    const refused = await browser.submit(psc.page!, 'form.login-form', { action: 'refuse' }, { stopAt: isRpRedirect });
    assert.equal(refused.page?.status, 200);
    assert.match(refused.page!.text, /Vous avez refusé la connexion sur Pro Santé Connect/);
    assert.ok(refused.page!.doc.querySelector('form[action$="/psc"]'), 'offers to try again');
    const landing = await backToApp(browser, refused.page!);
    assert.equal(landing.searchParams.get('error'), 'access_denied');
    assert.equal(landing.searchParams.get('state'), request.checks.expectedState);
  });

  it('PSC answering too slowly: 503 page within the timeout, temporarily_unavailable for the RP', async () => {
    const browser = new TestBrowser();
    const { callback } = await untilCallback(browser);
    stack.psc.faults = { delayMs: 4000 };
    try {
      const started = Date.now();
      const page = await browser.request(callback);
      assert.ok(Date.now() - started < 3500, 'the gateway gives up after psc.timeoutMs');
      assert.equal(page.status, 503);
      assert.match(page.text, /Pro Santé Connect ne répond pas/);
      const landing = await backToApp(browser, page);
      assert.equal(landing.searchParams.get('error'), 'temporarily_unavailable');
    } finally {
      stack.psc.faults = {};
    }
  });

  it('PSC too slow: the page offers the key, and a clinician with a key signs in with it', async () => {
    const key = createSoftAuthenticator();
    const enrolling = new TestBrowser();
    const first = await pscUntilNextStep(stack, enrolling, { practitioner: '810104567894', means: 'card' });
    await followToRp(enrolling, stack, (await ceremony(enrolling, stack, interactionPath(first.page!), 'enrol', key, { name: 'Clé' })).verify);

    const browser = new TestBrowser();
    const { request, callback } = await untilCallback(browser, '810104567894');
    stack.psc.faults = { delayMs: 4000 };
    try {
      const page = await browser.request(callback);
      assert.equal(page.status, 503);
      assert.match(page.text, /vous pouvez vous connecter avec, sans attendre Pro Santé Connect/);
      const link = page.doc.querySelector('main a[href^="/interaction/"]');
      assert.ok(link, 'a link back to the sign-in choices');
      const choices = await browser.request(new URL(link.getAttribute('href')!, stack.issuer));
      assert.equal(choices.status, 200);
      const { verify } = await ceremony(browser, stack, interactionPath(choices), 'webauthn', key);
      const landing = await followToRp(browser, stack, verify);
      assert.equal(landing.searchParams.get('state'), request.checks.expectedState);
      assert.ok(landing.searchParams.get('code'), 'signed in with the key while PSC is down');
    } finally {
      stack.psc.faults = {};
    }
  });

  it('PSC token endpoint failing with 503: temporarily_unavailable', async () => {
    const browser = new TestBrowser();
    const { callback } = await untilCallback(browser);
    stack.psc.faults = { tokenStatus: 503 };
    try {
      const page = await browser.request(callback);
      assert.equal(page.status, 503);
      assert.equal((await backToApp(browser, page)).searchParams.get('error'), 'temporarily_unavailable');
    } finally {
      stack.psc.faults = {};
    }
  });

  for (const fault of ID_TOKEN_FAULTS) {
    it(`ID token with ${fault}: refused, access_denied, no account`, async () => {
      const browser = new TestBrowser();
      const { callback } = await untilCallback(browser, '810106789016');
      stack.psc.faults = { idToken: fault };
      try {
        const page = await browser.request(callback);
        assert.equal(page.status, 400);
        assert.match(page.text, /n'a pas passé les contrôles de sécurité/);
        assert.equal((await backToApp(browser, page)).searchParams.get('error'), 'access_denied');
        assert.equal(await accountExists('810106789016'), false, 'no account is created from a rejected answer');
      } finally {
        stack.psc.faults = {};
      }
    });
  }

  it('wrong iss in the authorization response: refused', async () => {
    const browser = new TestBrowser();
    const { callback } = await untilCallback(browser, '810106789016');
    callback.searchParams.set('iss', 'https://evil.example/auth/realms/esante-wallet');
    const page = await browser.request(callback);
    assert.equal(page.status, 400);
    assert.match(page.text, /contrôles de sécurité/);
    assert.equal(await accountExists('810106789016'), false);
  });

  it('missing, malformed or forged state: French page, nothing stored', async () => {
    const before = await stack.keyCount();
    for (const query of ['code=abc', 'code=abc&state=%7Bbad%7D', `code=abc&state=${'A'.repeat(43)}`, 'error=access_denied']) {
      const page = await new TestBrowser().request(`${stack.issuer}/federation/psc/callback?${query}`);
      assert.equal(page.status, 400, query);
      assert.match(page.text, /expirée, a déjà été utilisée ou ne correspond pas à ce navigateur/);
      assert.equal(page.doc.querySelector('form'), null, 'no interaction to go back to');
    }
    assert.equal(await stack.keyCount(), before);
  });

  it('replayed callback: the second use is refused', async () => {
    const browser = new TestBrowser();
    const { callback } = await untilCallback(browser);
    const first = await browser.follow(callback, {}, { stopAt: isRpRedirect });
    assert.match(new URL(first.page!.url).pathname, /\/enrol$/, 'the first use signs in (then a key is offered)');
    const replay = await browser.request(callback);
    assert.equal(replay.status, 400);
    assert.match(replay.text, /déjà été utilisée/);
  });

  it('a PSC result altered in the store is refused as expired: no 500, and it is not used', async () => {
    const browser = new TestBrowser();
    const { callback } = await untilCallback(browser);
    const verified = await browser.follow(callback, {}, { stopAt: (url) => url.pathname.endsWith('/psc/done') });
    assert.ok(verified.stoppedAt, 'the callback hands the result to /psc/done');
    const uid = verified.stoppedAt.pathname.split('/')[2]!;
    await stack.store.set(createKeyNames(stack.prefix).interaction(uid, 'psc-result'), '{"accountId":"810107890127","authTime":"now"');
    const done = await browser.request(verified.stoppedAt);
    assert.equal(done.status, 400);
    assert.match(done.text, /terminée ou a expiré/);
  });

  it('callback opened in another browser (login CSRF): refused', async () => {
    const victim = new TestBrowser();
    const { callback } = await untilCallback(new TestBrowser(), '810105678905');
    const page = await victim.request(callback);
    assert.equal(page.status, 400);
    assert.match(page.text, /ne correspond pas à ce navigateur/);
  });
});

describe('PSC unreachable', () => {
  let down: Stack;
  let hangUp: Server;
  beforeAll(async () => {
    // A port that hangs up on every connection (a merely closed port could be taken by
    // another test's server meanwhile and answer).
    hangUp = createServer((socket) => socket.destroy()).listen(0, '127.0.0.1');
    await once(hangUp, 'listening');
    const { port } = hangUp.address() as AddressInfo;
    down = await startStack({ name: 'psc-down', overrides: { 'psc.issuer': `http://127.0.0.1:${port}/auth/realms/esante-wallet` } });
  });
  afterAll(async () => {
    await down.close();
    hangUp.close();
  });

  it('the PSC button gives a 503 French page and the RP temporarily_unavailable', async () => {
    const browser = new TestBrowser();
    const request = await authorizationRequest(down);
    const login = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    const page = await browser.submit(login.page!, 'form[action$="/psc"]');
    assert.equal(page.page?.status, 503);
    assert.match(page.page!.text, /Pro Santé Connect ne répond pas/);
    const result = await browser.submit(page.page!, 'form[action$="/abort"]', {}, { stopAt: isRpRedirect });
    assert.equal(result.stoppedAt?.searchParams.get('error'), 'temporarily_unavailable');
  });
});
