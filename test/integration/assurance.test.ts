/**
 * Assurance levels enforced over real HTTP: the acr issued is the level reached, a request
 * below the session's level needs no new ceremony, step-up offers only the means that reach
 * the level, an essential acr or a client minimum that cannot be met gives
 * unmet_authentication_requirements, phr is issued to a phishing-resistant sign-in, a key
 * alone is refused once PSC's word is too old, and sessions end at their idle or absolute
 * limit (controllable clock) with back-channel logout.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { authorizationRequest, exchange, isRpRedirect, loginAtPsc, signIn } from '../support/psc-login.ts';
import { ceremony, followToRp, interactionPath, loginPage, pscUntilNextStep } from '../support/key-journey.ts';
import { createSoftAuthenticator, type SoftAuthenticator } from '../support/soft-authenticator.ts';
import { createKeyNames } from '../../src/store/index.ts';

let now = Date.now();
const clock = () => now;
const MIN = 60_000;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    name: 'assurance',
    clock,
    // One test rewrites an account in Redis behind the gateway (PSC's last word a month old):
    // read at every request, as another instance's write is once the recent-accounts bound passed.
    overrides: { 'sessions.sweepSeconds': 3600, 'accounts.recentMs': 0 },
    clientOverrides: {
      'third-party-rp': { first_party: true, min_acr: 'eidas3', phishing_resistant: true },
      'jwt-userinfo-rp': { session_profile: 'shared-workstation', backchannel_logout_uri: undefined },
    },
  });
});
afterAll(async () => {
  await stack.close();
});

async function silently(browser: TestBrowser, params: Record<string, string>, clientId = 'test-rp') {
  const request = await authorizationRequest(stack, { clientId, params: { prompt: 'none', ...params } });
  const result = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
  assert.ok(result.stoppedAt, 'prompt=none answers the RP directly');
  return { request, callback: result.stoppedAt };
}

async function enrolKey(practitioner: string, key: SoftAuthenticator) {
  const browser = new TestBrowser();
  const { page } = await pscUntilNextStep(stack, browser, { practitioner, means: 'card' });
  const { verify } = await ceremony(browser, stack, interactionPath(page!), 'enrol', key);
  await followToRp(browser, stack, verify);
}

describe('levels', () => {
  it('issues the level reached, not the one asked for', async () => {
    const tokens = await exchange(await signIn(stack, new TestBrowser(), { params: { acr_values: 'eidas1' }, choice: { means: 'card' } }));
    assert.equal(tokens.claims()!.acr, 'eidas3');
  });

  it('needs no new ceremony when the request asks less than the session has', async () => {
    const browser = new TestBrowser();
    await exchange(await signIn(stack, browser, { choice: { means: 'card' } }));
    const { request, callback } = await silently(browser, { acr_values: 'eidas2' });
    const tokens = await exchange({ ...request, callback });
    assert.equal(tokens.claims()!.acr, 'eidas3');
  });

  it("an essential acr below the session's level is met by single sign-on, and returns the value asked (OIDC Core §5.5.1.1)", async () => {
    const browser = new TestBrowser();
    await exchange(await signIn(stack, browser, { choice: { means: 'card' } }));
    const claims = JSON.stringify({ id_token: { acr: { essential: true, values: ['eidas2'] } } });
    const { request, callback } = await silently(browser, { claims });
    assert.ok(callback.searchParams.get('code'), 'no loop, no new ceremony');
    assert.equal((await exchange({ ...request, callback })).claims()!.acr, 'eidas2', 'one of the values asked, met by the eidas3 session');
  });

  it('steps up from e-CPS to the CPS card when eidas3 is asked, offering only PSC with the card', async () => {
    const browser = new TestBrowser();
    await exchange(await signIn(stack, browser, { choice: { means: 'ecps', practitioner: '810101234561' } }));
    const none = await silently(browser, { acr_values: 'eidas3' });
    assert.equal(none.callback.searchParams.get('error'), 'login_required', 'prompt=none cannot step up');

    const request = await authorizationRequest(stack, { params: { acr_values: 'eidas3' } });
    const page = (await browser.follow(request.url, {}, { stopAt: isRpRedirect })).page!;
    assert.match(page.text, /demande un niveau d'authentification plus élevé \(eIDAS élevé\)/);
    assert.match(page.text, /Avec votre carte CPS : cette application l'exige/);
    assert.equal(page.doc.querySelector('[data-webauthn]'), null, 'no key reaches eidas3 here');
    const done = await loginAtPsc(browser, page, { means: 'card', practitioner: '810101234561' });
    const tokens = await exchange({ ...request, callback: done.stoppedAt! });
    assert.equal(tokens.claims()!.acr, 'eidas3');
  });

  it('an essential acr that the means used cannot meet gives unmet_authentication_requirements', async () => {
    const browser = new TestBrowser();
    const claims = JSON.stringify({ id_token: { acr: { essential: true, value: 'eidas3' } } });
    const request = await authorizationRequest(stack, { params: { claims } });
    const first = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    const after = await loginAtPsc(browser, first.page!, { means: 'ecps', practitioner: '810102345672' });
    assert.equal(after.page?.status, 403);
    assert.match(after.page!.text, /exige une authentification de niveau eIDAS élevé/);
    const back = await browser.submit(after.page!, 'form[action$="/abort"]', {}, { stopAt: isRpRedirect });
    assert.equal(back.stoppedAt?.searchParams.get('error'), 'unmet_authentication_requirements');
  });

  it('a client minimum (eidas3, phishing-resistant) applies without any acr_values', async () => {
    const browser = new TestBrowser();
    await exchange(await signIn(stack, browser, { choice: { means: 'ecps', practitioner: '810103456783' } }));
    const none = await silently(browser, {}, 'third-party-rp');
    assert.equal(none.callback.searchParams.get('error'), 'login_required');
    const tokens = await exchange(await signIn(stack, browser, { clientId: 'third-party-rp', choice: { means: 'card', practitioner: '810103456783' } }));
    assert.equal(tokens.claims()!.acr, 'eidas3');
  });

  it('issues phr to a synced passkey when phr is asked; a key alone cannot reach eidas3', async () => {
    const key = createSoftAuthenticator({ backupEligible: true, backedUp: true });
    await enrolKey('810104567894', key);
    const browser = new TestBrowser();
    const { request, base } = await loginPage(stack, browser, { params: { acr_values: 'phr' } });
    const { verify } = await ceremony(browser, stack, base, 'webauthn', key);
    const tokens = await exchange({ ...request, callback: await followToRp(browser, stack, verify) });
    assert.equal(tokens.claims()!.acr, 'phr');

    const other = new TestBrowser();
    const high = await loginPage(stack, other, { params: { acr_values: 'eidas3' } });
    const refused = await ceremony(other, stack, high.base, 'webauthn', key);
    assert.equal(refused.verify.status, 403);
    assert.equal((refused.verify.json as { error: string }).error, 'insufficient-level');
  });

  it('refuses a key alone once PSC vouched for the clinician too long ago; PSC renews it', async () => {
    const key = createSoftAuthenticator();
    await enrolKey('810105678905', key);
    const accountKey = createKeyNames(stack.prefix).account('810105678905');
    const account = JSON.parse((await stack.store.get(accountKey))!) as { pscVerifiedAt: number };
    await stack.store.set(accountKey, JSON.stringify({ ...account, pscVerifiedAt: Date.now() - 31 * 86_400_000 }));
    const browser = new TestBrowser();
    const { base } = await loginPage(stack, browser);
    const stale = await ceremony(browser, stack, base, 'webauthn', key);
    assert.equal(stale.verify.status, 403);
    assert.match((stale.verify.json as { message: string }).message, /plus de 30 jours/);
    await exchange(await signIn(stack, new TestBrowser(), { choice: { practitioner: '810105678905', means: 'card' } }));
    const renewed = await ceremony(browser, stack, (await loginPage(stack, browser)).base, 'webauthn', key);
    assert.equal(renewed.verify.status, 200);
  });
});

describe('step-up to the card after an e-CPS sign-in that fell short', () => {
  const practitioner = '810107890127';
  const atPsc = (url: URL) => url.href.startsWith(stack.psc.issuer);

  /** First sign-in of this browser for third-party-rp (eidas3 minimum) with e-CPS at PSC: the "niveau insuffisant" page. */
  async function ecpsFallsShort(browser: TestBrowser) {
    const request = await authorizationRequest(stack, { clientId: 'third-party-rp' });
    const first = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    const unmet = await loginAtPsc(browser, first.page!, { means: 'ecps', practitioner });
    assert.equal(unmet.page?.status, 403, 'e-CPS (eidas2) falls short of eidas3');
    assert.ok(unmet.page!.doc.querySelector('form[action$="/psc"]'), 'the page offers to try again with the card');
    assert.match(unmet.page!.text, /Pro Santé Connect vous demandera de vous identifier à nouveau : choisissez la carte CPS/);
    return { request, unmet: unmet.page! };
  }

  it('"Réessayer avec la carte CPS" asks PSC for a fresh sign-in: its form again, not its e-CPS session; the card gives eidas3', async () => {
    const browser = new TestBrowser();
    const { request, unmet } = await ecpsFallsShort(browser);
    const retry = await browser.submit(unmet, 'form[action$="/psc"]', {}, { stopAt: atPsc });
    const pscUrl = retry.stoppedAt!;
    assert.ok(pscUrl, 'the retry goes to PSC');
    assert.equal(pscUrl.searchParams.get('prompt'), 'login', 'PSC is asked for a new authentication');
    const atPscPage = await browser.follow(pscUrl, {}, { stopAt: isRpRedirect });
    assert.equal(atPscPage.stoppedAt, undefined);
    assert.ok(
      atPscPage.page?.doc.querySelector('form.login-form'),
      `PSC shows its login form again instead of answering with its e-CPS session; got HTTP ${atPscPage.page?.status} ${atPscPage.page?.text.slice(0, 160)}`,
    );
    let back = await browser.submit(
      atPscPage.page!,
      'form.login-form',
      { action: 'login', practitioner, means: 'card', forceAcr: '', forceAuthMode: '' },
      { stopAt: isRpRedirect },
    );
    if (back.page?.doc.querySelector('form[action$="/enrol/skip"]'))
      back = await browser.submit(back.page, 'form[action$="/enrol/skip"]', {}, { stopAt: isRpRedirect });
    assert.ok(back.stoppedAt, `back at the application with a code; got ${back.page?.status} ${back.page?.text.slice(0, 160)}`);
    const tokens = await exchange({ ...request, callback: back.stoppedAt });
    assert.equal(tokens.claims()!.acr, 'eidas3');
  });

  it('going back says the means used fell short (e-CPS, eidas2 < eidas3), not that no means can reach the level', async () => {
    const browser = new TestBrowser();
    const { unmet } = await ecpsFallsShort(browser);
    const back = await browser.submit(unmet, 'form[action$="/abort"]', {}, { stopAt: isRpRedirect });
    assert.equal(back.stoppedAt?.searchParams.get('error'), 'unmet_authentication_requirements');
    const description = back.stoppedAt?.searchParams.get('error_description') ?? '';
    assert.match(description, /e-CPS, eidas2/);
    assert.match(description, /requires \(eidas3, phishing-resistant\)/);
    assert.match(description, /did not complete a sign-in at that level/);
    assert.doesNotMatch(description, /no means/);
  });

  it('after a retry that PSC refused, going back says so (access_denied), not the earlier shortfall', async () => {
    const browser = new TestBrowser();
    const { unmet } = await ecpsFallsShort(browser);
    const retry = await browser.submit(unmet, 'form[action$="/psc"]', {}, { stopAt: isRpRedirect });
    assert.ok(retry.page?.doc.querySelector('form.login-form'), 'PSC shows its form');
    const refused = await browser.submit(retry.page!, 'form.login-form', { action: 'refuse' }, { stopAt: isRpRedirect });
    assert.ok(refused.page?.doc.querySelector('form[action$="/abort"]'), 'the gateway says PSC was refused');
    const back = await browser.submit(refused.page!, 'form[action$="/abort"]', {}, { stopAt: isRpRedirect });
    assert.equal(back.stoppedAt?.searchParams.get('error'), 'access_denied');
  });

  it('every later PSC round trip of the interaction asks for a fresh sign-in (a retry from the PSC error page too)', async () => {
    const browser = new TestBrowser();
    const { unmet } = await ecpsFallsShort(browser);
    const retry = await browser.submit(unmet, 'form[action$="/psc"]', {}, { stopAt: isRpRedirect });
    const refused = await browser.submit(retry.page!, 'form.login-form', { action: 'refuse' }, { stopAt: isRpRedirect });
    const again = await browser.submit(refused.page!, 'form[action$="/psc"]', {}, { stopAt: atPsc });
    assert.equal(again.stoppedAt?.searchParams.get('prompt'), 'login');
  });
});

describe('session lifetimes (controllable clock)', () => {
  it('an idle session ends: the RP is told by back-channel logout, prompt=none needs a login again', async () => {
    const browser = new TestBrowser();
    const tokens = await exchange(await signIn(stack, browser, { choice: { practitioner: '810106789016' } }));
    const sid = tokens.claims()!.sid;
    const before = stack.backchannel.tokens.length;
    now += 29 * MIN;
    assert.equal(await stack.gateways[0]!.sweepSessions(), 0, 'not idle yet');
    assert.ok((await silently(browser, {})).callback.searchParams.get('code'), 'still signed in at 29 min; this counts as activity');
    now += 31 * MIN;
    assert.ok((await stack.gateways[0]!.sweepSessions()) >= 1);
    const sids = (await stack.backchannel.waitFor(before + 1)).slice(before).map((t) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()).sid);
    assert.ok(sids.includes(sid), "this session's RP received a logout token for its sid");
    assert.equal((await silently(browser, {})).callback.searchParams.get('error'), 'login_required');
    await assert.rejects(client.refreshTokenGrant(await stack.rp(), tokens.refresh_token!), 'refresh tokens of the ended session stop working');
  });

  it('a refresh counts as activity: the sweeper keeps the session until 30 min after the last refresh, then ends it', async () => {
    const browser = new TestBrowser();
    let tokens = await exchange(await signIn(stack, browser, { choice: { practitioner: '810107890127' } }));
    const rp = await stack.rp();
    now += 20 * MIN;
    tokens = await client.refreshTokenGrant(rp, tokens.refresh_token!);
    now += 20 * MIN; // 40 min after the sign-in, 20 after the refresh: past the first idle deadline only
    await stack.gateways[0]!.sweepSessions();
    tokens = await client.refreshTokenGrant(rp, tokens.refresh_token!); // the session was kept: its tokens still work
    now += 31 * MIN;
    assert.ok((await stack.gateways[0]!.sweepSessions()) >= 1, 'idle 31 min after the last refresh');
    await assert.rejects(client.refreshTokenGrant(rp, tokens.refresh_token!), 'the session ended with its tokens');
  });

  it('a refresh within a minute of the stored activity writes nothing: the idle limit counts from that activity, a little earlier, never later', async () => {
    const browser = new TestBrowser();
    let tokens = await exchange(await signIn(stack, browser, { choice: { practitioner: '810106789016' } }));
    const rp = await stack.rp();
    now += 20 * MIN;
    tokens = await client.refreshTokenGrant(rp, tokens.refresh_token!); // written: the idle limit is now 30 min from here
    now += 50_000;
    tokens = await client.refreshTokenGrant(rp, tokens.refresh_token!); // 50 s later: not written
    now += 30 * MIN - 50_000 + 1_000; // 30 min 1 s after the written refresh, 29 min 11 s after the last one
    assert.ok((await stack.gateways[0]!.sweepSessions()) >= 1, 'ended from the written activity');
    await assert.rejects(client.refreshTokenGrant(rp, tokens.refresh_token!), 'the session ended with its tokens');
  });

  it('an active session still ends at the absolute limit', async () => {
    const browser = new TestBrowser();
    const sid = (await exchange(await signIn(stack, browser, { choice: { practitioner: '810107890127' } }))).claims()!.sid;
    const before = stack.backchannel.tokens.length;
    for (let i = 0; i < 11; i += 1) {
      now += 20 * MIN;
      assert.ok((await silently(browser, {})).callback.searchParams.get('code'), `active at ${(i + 1) * 20} min`);
    }
    now += 21 * MIN;
    assert.equal((await silently(browser, {})).callback.searchParams.get('error'), 'login_required', 'ended after 4 h even though active');
    assert.ok((await stack.gateways[0]!.sweepSessions()) >= 1);
    const sids = (await stack.backchannel.waitFor(before + 1)).slice(before).map((t) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()).sid);
    assert.ok(sids.includes(sid), 'the RP was told by back-channel logout');
  });

  it('a shared-workstation application shortens the idle limit to 10 minutes', async () => {
    const browser = new TestBrowser();
    await exchange(await signIn(stack, browser, { clientId: 'jwt-userinfo-rp', choice: { practitioner: '0759912345' } }));
    assert.equal((await browser.request(`${stack.issuer}/account`)).status, 200, '/account opens while the session lives');
    now += 11 * MIN;
    assert.equal((await browser.request(`${stack.issuer}/account`)).status, 303, 'an ended session does not open /account, even before the sweeper ran');
    assert.equal((await silently(browser, {}, 'jwt-userinfo-rp')).callback.searchParams.get('error'), 'login_required');
  });
});
