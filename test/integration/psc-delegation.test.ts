/**
 * Pro Santé Connect "sans couture" over real HTTP, through the PSC simulator: a demo national
 * service (a client of the simulator, kc_idp_hint=hospiconnect) → PSC → the gateway (a key,
 * software authenticator) → PSC (pairing on first use, then confirmation) → the service.
 * Every branch: what the gateway sends PSC, first pairing, confirmation, expired pairing,
 * a means not accepted for delegation, a clinician without a key, a PSC session opened at the
 * gateway (no loop), logout.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startStack, DELEGATION_ALIAS, type Stack } from '../support/stack.ts';
import { TestBrowser, type Page } from '../support/browser.ts';
import { createSoftAuthenticator, type SoftAuthenticator } from '../support/soft-authenticator.ts';
import { exchange, isRpRedirect, signIn, signInParameters } from '../support/psc-login.ts';
import { ceremony, followToRp, interactionPath, loginPage, pscUntilNextStep } from '../support/key-journey.ts';
import { brokerPaths } from '../../src/sandbox/psc/index.ts';
import { loadClientKey } from '../../src/sandbox/rp/client-key.ts';

const DAY = 86_400_000;
let now = Date.now();
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'psc-delegation', delegation: { pairingLifetimeSeconds: 30 * 86_400, clock: () => now } });
});
afterAll(async () => {
  await stack.close();
});

const national = () => stack.national!;
const endpoint = () => `${stack.psc.issuer}${brokerPaths(DELEGATION_ALIAS).endpoint}`;
const events = async (type: string) => (await stack.gateways[0]!.auditLog.range({})).filter((e) => e.type === type);

/** PSC as a client of the gateway, with the simulator's key (private_key_jwt). */
async function pscConfig() {
  const pscKey = await loadClientKey(stack.keysDir, 'psc-delegation');
  return client.discovery(new URL(stack.issuer), 'psc-delegation', {}, client.PrivateKeyJwt({ key: pscKey.privateKey, kid: pscKey.kid }), {
    execute: [client.allowInsecureRequests],
  });
}

/** PSC sign-in at the gateway then enrolment of `key` (bound by that sign-in's means). */
async function enrol(practitioner: string, key: SoftAuthenticator, means: 'card' | 'ecps' = 'card') {
  const browser = new TestBrowser();
  const { request, page } = await pscUntilNextStep(stack, browser, { practitioner, means });
  assert.match(new URL(page!.url).pathname, /\/enrol$/);
  const { verify } = await ceremony(browser, stack, interactionPath(page!), 'enrol', key, { name: 'Clé' });
  await exchange({ ...request, callback: await followToRp(browser, stack, verify) });
}

/** From the national service's sign-in button to the gateway's sign-in page (kc_idp_hint skips PSC's). */
async function toGateway(browser: TestBrowser): Promise<Page> {
  const { page } = await browser.follow(`${national()}/login`);
  assert.equal(page?.status, 200, page?.body.slice(0, 300));
  assert.ok(page!.url.startsWith(`${stack.issuer}/interaction/`), `the gateway's sign-in page, not ${page!.url}`);
  return page!;
}

/** The key on the gateway's page, then back to PSC: the page PSC shows next. */
async function keyThenPsc(browser: TestBrowser, page: Page, key: SoftAuthenticator): Promise<Page> {
  const { verify } = await ceremony(browser, stack, interactionPath(page), 'webauthn', key);
  assert.equal(verify.status, 200, verify.body);
  const { redirectTo } = verify.json as { redirectTo: string };
  const next = await browser.follow(new URL(redirectTo, stack.issuer));
  return next.page!;
}

async function pair(browser: TestBrowser, page: Page, practitioner: string): Promise<Page> {
  assert.match(page.text, /Appairer un compte avec la carte CPS/);
  const done = await browser.submit(page, 'form', { action: 'pair', practitioner, means: 'card' });
  return done.page!;
}

describe('PSC delegates the sign-in to the gateway (PSC sans couture)', () => {
  const key = createSoftAuthenticator();
  beforeAll(async () => {
    await enrol('810104567894', key);
  });

  it('sends PSC an opaque stable sub, oid, tid, acr, amr and auth_time, and no PSC button', async () => {
    // PSC's side of the contract, as the simulator's broker does it (private_key_jwt, PKCE).
    const config = await pscConfig();
    const tokens = [];
    for (let i = 0; i < 2; i += 1) {
      const browser = new TestBrowser();
      const { parameters, checks } = await signInParameters(endpoint(), { scope: 'openid' });
      const first = await browser.follow(client.buildAuthorizationUrl(config, parameters));
      assert.equal(first.page?.doc.querySelector('form[action$="/psc"]'), null, 'a sign-in requested by PSC never offers PSC');
      assert.match(first.page!.text, /Connexion à Pro Santé Connect par votre établissement/);
      const { verify } = await ceremony(browser, stack, interactionPath(first.page!), 'webauthn', key);
      const { stoppedAt } = await browser.follow(
        new URL((verify.json as { redirectTo: string }).redirectTo, stack.issuer),
        {},
        { stopAt: (u) => u.href.startsWith(endpoint()) },
      );
      assert.ok(stoppedAt, "back at PSC's broker endpoint");
      tokens.push((await client.authorizationCodeGrant(config, stoppedAt, { ...checks, idTokenExpected: true })).claims()!);
    }
    const [a, b] = tokens as [client.IDToken, client.IDToken];
    assert.notEqual(a.sub, '810104567894');
    assert.ok(!JSON.stringify(a).includes('810104567894'), 'the idNat appears nowhere in what PSC receives');
    assert.equal(a.sub, b.sub, 'the subject is stable');
    assert.match(String(a.oid), /^[0-9a-f-]{36}$/);
    assert.equal(a.oid, b.oid);
    assert.equal(a.tid, 'TEST-ESTABLISHMENT');
    assert.equal(a.acr, 'eidas2');
    assert.deepEqual(a.amr, ['hwk', 'mfa']);
    assert.equal(typeof a.auth_time, 'number');
    // Another application of the gateway gets neither oid nor tid.
    const other = await signIn(stack, new TestBrowser(), { choice: { practitioner: '810104567894', means: 'card' } });
    const claims = (await exchange(other)).claims()!;
    assert.equal(claims.oid, undefined);
    assert.equal(claims.tid, undefined);
  });

  it('first use: key at the gateway, pairing with the CPS card at PSC, then the national service', async () => {
    const browser = new TestBrowser();
    const home = await pair(browser, await keyThenPsc(browser, await toGateway(browser), key), '810104567894');
    assert.equal(home.url, `${national()}/`);
    assert.match(home.text, /Bonjour/);
    assert.equal(home.doc.querySelector('[data-testid="idnat"]')?.text, '810104567894');
    assert.equal(home.doc.querySelector('[data-testid="acr"]')?.text, 'eidas2', `PSC's acr is the delegated one: ${home.text}`);
    assert.equal(home.doc.querySelector('[data-testid="amr"]')?.text, 'hwk, mfa', "PSC's amr is the delegated means'");
    const succeeded = (await events('delegation.succeeded')).filter((e) => e.actor === '810104567894');
    assert.ok(succeeded.some((e) => e.details?.pairing === 'first'));
  });

  it('afterwards: only the confirmation screen, no card', async () => {
    const browser = new TestBrowser();
    const confirm = await keyThenPsc(browser, await toGateway(browser), key);
    assert.match(confirm.text, /Confirmer la connexion/);
    assert.match(confirm.text, /Utiliser un autre compte/);
    assert.equal(confirm.doc.querySelector('input[name="practitioner"]'), null, 'no card asked');
    const home = await browser.submit(confirm, 'form', { action: 'confirm' });
    assert.equal(home.page?.doc.querySelector('[data-testid="idnat"]')?.text, '810104567894');
    assert.ok(
      (await events('delegation.paired')).some((e) => e.actor === '810104567894'),
      'the return after the first pairing is recorded',
    );
  });

  it('"another account" on the confirmation screen leads to PSC\'s own sign-in (shared workstation)', async () => {
    const browser = new TestBrowser();
    const confirm = await keyThenPsc(browser, await toGateway(browser), key);
    const other = await browser.submit(confirm, 'form', { action: 'other' });
    assert.ok(other.page?.doc.querySelector('form.login-form'), "PSC's card / e-CPS form");
  });

  it('an expired pairing: pairing again', async () => {
    now += 31 * DAY;
    try {
      const browser = new TestBrowser();
      const page = await keyThenPsc(browser, await toGateway(browser), key);
      assert.match(page.text, /a expiré/);
      const home = await pair(browser, page, '810104567894');
      assert.equal(home.doc.querySelector('[data-testid="idnat"]')?.text, '810104567894');
    } finally {
      now -= 31 * DAY;
    }
  });

  it("logout at PSC ends PSC's session: the next visit goes through the confirmation again", async () => {
    const browser = new TestBrowser();
    const confirm = await keyThenPsc(browser, await toGateway(browser), key);
    await browser.submit(confirm, 'form', { action: 'confirm' });
    const question = await browser.follow(`${national()}/logout`, { method: 'POST' });
    assert.match(question.page!.text, /Se déconnecter de Pro Santé Connect/);
    const bye = await browser.submit(question.page!, 'form', { logout: 'yes' });
    assert.match(bye.page!.text, /déconnecté/);
    // PSC has no session any more; the gateway's (the establishment's) still opens without the key.
    const again = await browser.follow(`${national()}/login`);
    assert.match(again.page!.text, /Confirmer la connexion/, 'PSC asks again; the pairing is kept');
  });
});

describe('what does not answer PSC', () => {
  it('a key enrolled after an e-CPS sign-in: a French page, then PSC gets unmet_authentication_requirements', async () => {
    const weak = createSoftAuthenticator();
    await enrol('810105678905', weak, 'ecps');
    const browser = new TestBrowser();
    const gateway = await toGateway(browser);
    const { verify } = await ceremony(browser, stack, interactionPath(gateway), 'webauthn', weak);
    const { redirectTo } = verify.json as { redirectTo: string };
    assert.match(redirectTo, /\/delegation\/refused$/);
    const page = await browser.request(new URL(redirectTo, stack.issuer));
    assert.equal(page.status, 403);
    assert.match(page.text, /Cette clé ne permet pas de vous connecter à Pro Santé Connect/);
    assert.match(page.text, /carte CPS/);
    const back = await browser.submit(page, 'form[action$="/abort"]', {}, { stopAt: (u) => u.href.startsWith(endpoint()) });
    assert.equal(back.stoppedAt?.searchParams.get('error'), 'unmet_authentication_requirements');
    assert.match(back.stoppedAt!.searchParams.get('error_description')!, /not accepted for delegation to Pro Sante Connect/);
    const psc = await browser.follow(back.stoppedAt!);
    assert.match(psc.page!.text, /n’est pas accepté par Pro Santé Connect/);
    assert.ok(psc.page!.doc.querySelector('form.login-form'), 'PSC offers its own sign-in');
    assert.ok((await events('delegation.refused')).some((e) => e.actor === '810105678905' && e.reason === 'means-not-accepted-for-delegation'));
  });

  it('PSC asking eidas3 of an eidas2 key: the same page, naming the level, and unmet_authentication_requirements', async () => {
    const key = createSoftAuthenticator();
    await enrol('810101234561', key);
    const browser = new TestBrowser();
    const { parameters } = await signInParameters(endpoint(), { scope: 'openid', acr_values: 'eidas3' });
    const first = await browser.follow(client.buildAuthorizationUrl(await pscConfig(), parameters));
    const { verify } = await ceremony(browser, stack, interactionPath(first.page!), 'webauthn', key);
    const page = await browser.request(new URL((verify.json as { redirectTo: string }).redirectTo, stack.issuer));
    assert.equal(page.status, 403);
    assert.match(page.text, /de niveau eIDAS élevé au moins/);
    const back = await browser.submit(page, 'form[action$="/abort"]', {}, { stopAt: (u) => u.href.startsWith(endpoint()) });
    assert.equal(back.stoppedAt?.searchParams.get('error'), 'unmet_authentication_requirements');
    assert.match(back.stoppedAt!.searchParams.get('error_description')!, /eidas3/);
  });

  it('a clinician without a key is told how to enrol one and sent back to PSC (access_denied)', async () => {
    const browser = new TestBrowser();
    const gateway = await toGateway(browser);
    const link = gateway.doc.querySelector('a[href$="/delegation/no-key"]');
    assert.ok(link, 'the "no key yet" link');
    const page = await browser.request(new URL(link.getAttribute('href')!, stack.issuer));
    assert.equal(page.status, 200);
    assert.match(page.text, /Vous n'avez pas encore de clé/);
    assert.ok(page.doc.querySelector(`a[href="${stack.issuer}/account"]`), "the establishment's usual sign-in, where a key is enrolled");
    const back = await browser.submit(page, 'form[action$="/abort"]', {}, { stopAt: (u) => u.href.startsWith(endpoint()) });
    assert.equal(back.stoppedAt?.searchParams.get('error'), 'access_denied');
    const psc = await browser.follow(back.stoppedAt!);
    assert.match(psc.page!.text, /carte CPS ou l’application e-CPS/);
    assert.ok((await events('delegation.refused')).some((e) => e.reason === 'no-key'));
  });

  it("no loop: a gateway session opened with PSC's card does not answer PSC; the page offers keys only", async () => {
    const browser = new TestBrowser();
    const other = await signIn(stack, browser, { choice: { practitioner: '810106789016', means: 'card' } });
    assert.ok(isRpRedirect(other.callback), "signed in at the gateway with PSC's card");
    const config = await pscConfig();
    const { parameters } = await signInParameters(endpoint(), { scope: 'openid' });
    const first = await browser.follow(client.buildAuthorizationUrl(config, parameters), {}, { stopAt: (u) => u.href.startsWith(endpoint()) });
    assert.equal(first.stoppedAt, undefined, 'no silent answer to PSC from a session PSC opened');
    assert.equal(first.page?.doc.querySelector('form[action$="/psc"]'), null);
    assert.ok(first.page?.doc.querySelector('[data-webauthn="authenticate"]'), 'keys only');
    assert.match(first.page!.text, /Pro Santé Connect vous a envoyé ici : touchez votre clé/);
  });
});

describe('bad input on the delegation paths', () => {
  it("PSC's broker endpoint: an unknown or replayed state gets a French page, nothing paired", async () => {
    const browser = new TestBrowser();
    const forged = await browser.request(`${endpoint()}?code=abc&state=forged`);
    assert.equal(forged.status, 400);
    assert.match(forged.text, /expiré ou est introuvable/);
    // A real round trip, its answer replayed once PSC has used it.
    const key = createSoftAuthenticator();
    await enrol('810107890127', key);
    const gateway = await toGateway(browser);
    const { verify } = await ceremony(browser, stack, interactionPath(gateway), 'webauthn', key);
    const { stoppedAt } = await browser.follow(
      new URL((verify.json as { redirectTo: string }).redirectTo, stack.issuer),
      {},
      { stopAt: (u) => u.href.startsWith(endpoint()) },
    );
    const first = await browser.follow(stoppedAt!);
    assert.match(first.page!.text, /Appairer un compte avec la carte CPS/);
    const replay = await browser.follow(stoppedAt!);
    assert.equal(replay.page?.status, 400, 'the state is single-use');
  });

  it('no loop, forced: posting the PSC form of a sign-in PSC requested never reaches PSC; nothing stored', async () => {
    const browser = new TestBrowser();
    const gateway = await toGateway(browser);
    const base = interactionPath(gateway);
    const csrf = gateway.doc.querySelector('input[name="_csrf"]')?.getAttribute('value') ?? '';
    const before = await stack.keyCount();
    const forced = await browser.request(`${stack.issuer}${base}/psc`, { form: { _csrf: csrf } });
    assert.notEqual(forced.status, 303, `no redirect to PSC: ${forced.headers.get('location')}`);
    assert.equal(forced.status, 400);
    assert.match(forced.text, /Pro Santé Connect/);
    assert.equal(await stack.keyCount(), before, 'no PSC round trip state stored');
  });

  it("the gateway's delegation pages lead back to the interaction's own page when they do not apply", async () => {
    const browser = new TestBrowser();
    const { page, base } = await loginPage(stack, browser);
    assert.ok(page.doc.querySelector('form[action$="/psc"]'), 'an ordinary application: PSC offered');
    for (const path of ['delegation/no-key', 'delegation/refused']) {
      const answer = await browser.request(`${stack.issuer}${base}/${path}`);
      assert.equal(answer.status, 303, path);
      assert.equal(answer.headers.get('location'), base, path);
    }
    const gateway = await toGateway(browser);
    const refused = await browser.request(`${stack.issuer}${interactionPath(gateway)}/delegation/refused`);
    assert.equal(refused.status, 303, 'no refusal recorded: the sign-in page');
  });
});
