/**
 * Issue 16 — the level an application receives is the level that was proven. Each test
 * performs one of the attacks as an attacker would, over real HTTP with a software
 * authenticator (real WebAuthn bytes), against a real gateway, PSC simulator and Redis:
 * a key worth more than the sign-in that bound it, enrolment after an eidas1 sign-in,
 * single sign-on past an application's own rules, auth_time moved by later pages, a
 * consent page reviving an ended session, and an amr naming a key that was not used.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser, type Page } from '../support/browser.ts';
import { createSoftAuthenticator, type SoftAuthenticator } from '../support/soft-authenticator.ts';
import { authorizationRequest, exchange, isRpRedirect, loginAtPsc, signIn, type PscChoice } from '../support/psc-login.ts';
import { ceremony, followToRp, interactionPath, loginPage, pscUntilNextStep } from '../support/key-journey.ts';
import { TEST_REDIS_URL } from '../support/redis.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { createCredentialRepository } from '../../src/webauthn/index.ts';

/** Applications with their own rules: a key after e-CPS, a required key. */
let rules: Stack;
/** Default registrations: the third-party application shows a consent page. */
let plain: Stack;
beforeAll(async () => {
  rules = await startStack({
    name: 'assurance-integrity-rules',
    clientOverrides: { 'jwt-userinfo-rp': { webauthn_enrolment: 'required' }, 'third-party-rp': { first_party: true, key_after_ecps: true } },
  });
  plain = await startStack({ name: 'assurance-integrity' });
});
afterAll(async () => {
  await rules.close();
  await plain.close();
});

const credentialsOf = (stack: Stack, idNat: string) => createCredentialRepository(stack.store, createKeyNames(stack.prefix)).listByAccount(idNat);

/** A PSC sign-in with `means`, then enrolment of `key` (what a phishing proxy relaying one e-CPS approval can do). */
async function enrolAfterPsc(stack: Stack, practitioner: string, means: PscChoice['means'], key: SoftAuthenticator) {
  const browser = new TestBrowser();
  const { page } = await pscUntilNextStep(stack, browser, { practitioner, means });
  assert.match(new URL(page!.url).pathname, /\/enrol$/, 'the enrolment offer after PSC');
  await followToRp(browser, stack, (await ceremony(browser, stack, interactionPath(page!), 'enrol', key, { name: 'Clé' })).verify);
  return browser;
}

/** The key alone, for an application asking `params` (e.g. acr_values=phr). */
async function keyAlone(stack: Stack, key: SoftAuthenticator, params: Record<string, string> = {}) {
  const browser = new TestBrowser();
  const { request, base } = await loginPage(stack, browser, { params });
  const { verify } = await ceremony(browser, stack, base, 'webauthn', key);
  return { browser, request, verify };
}

function admin(stack: Stack, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: stack.prefix,
    KEYS_DIR: stack.keysDir,
    NODE_ENV: 'test',
    USER: 'iam-operator',
  };
  delete env.SUDO_USER;
  return new Promise((resolve) => {
    execFile(process.execPath, ['src/admin/cli.ts', ...args], { encoding: 'utf8', env }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

async function auditEvents(stack: Stack, type: string) {
  return (await stack.gateways[0]!.auditLog.range({})).filter((e) => e.type === type);
}

describe('1. a key is never worth more than the sign-in that bound it', () => {
  it('a key enrolled after one e-CPS approval does not pass an application that requires phishing resistance', async () => {
    const key = createSoftAuthenticator();
    await enrolAfterPsc(plain, '810101234561', 'ecps', key);
    const phr = await keyAlone(plain, key, { acr_values: 'phr' });
    assert.equal(phr.verify.status, 403, `refused: ${phr.verify.body}`);
    assert.equal((phr.verify.json as { error: string }).error, 'insufficient-level');
    const [stored] = await credentialsOf(plain, '810101234561');
    assert.equal(stored?.binding?.assurance.method, 'psc-ecps', 'the binding sign-in is recorded with the key');
    assert.equal(stored?.binding?.assurance.phishingResistant, false);

    const ordinary = await keyAlone(plain, key);
    const claims = (await exchange({ ...ordinary.request, callback: await followToRp(ordinary.browser, plain, ordinary.verify) })).claims()!;
    assert.equal(claims.acr, 'eidas2', 'the key alone proves what e-CPS proved');
  });

  it('a key enrolled after the CPS card keeps its phishing resistance', async () => {
    const key = createSoftAuthenticator();
    await enrolAfterPsc(plain, '810102345672', 'card', key);
    const { request, browser, verify } = await keyAlone(plain, key, { acr_values: 'phrh' });
    assert.equal(verify.status, 200, verify.body);
    assert.equal((await exchange({ ...request, callback: await followToRp(browser, plain, verify) })).claims()!.acr, 'phrh');
  });

  it('refuses enrolment after an eidas1 sign-in: no offer, and a clear page where the application requires a key', async () => {
    const offered = await pscUntilNextStep(plain, new TestBrowser(), { practitioner: '810103456783', means: 'card', forceAuthMode: 'unknown' });
    assert.ok(offered.stoppedAt, `straight back to the application, no enrolment offer (stopped at ${offered.page?.url})`);
    assert.equal(await exchange({ ...offered.request, callback: offered.stoppedAt }).then((t) => t.claims()!.acr), 'eidas1');

    const browser = new TestBrowser();
    const withRequirement = await authorizationRequest(rules, { clientId: 'jwt-userinfo-rp' });
    const first = await browser.follow(withRequirement.url, {}, { stopAt: isRpRedirect });
    const after = await loginAtPsc(browser, first.page!, { practitioner: '810103456783', means: 'card', forceAuthMode: 'unknown' }, { skipEnrolment: false });
    assert.equal(after.page?.status, 403, `refused: ${after.page?.url}`);
    assert.match(after.page!.text, /ne permet pas d'en enregistrer une/);
    assert.equal(await credentialsOf(rules, '810103456783').then((c) => c.length), 0, 'nothing enrolled');
  });

  it('raises a key bound under e-CPS once the clinician, signed in with the CPS card, confirms that key in /account', async () => {
    const key = createSoftAuthenticator();
    const browser = await enrolAfterPsc(plain, '810104567894', 'ecps', key);
    const [stored] = await credentialsOf(plain, '810104567894');
    const raisePath = `/account/keys/${stored!.id}/raise`;

    const account = await browser.request(`${plain.issuer}/account`);
    assert.equal(account.status, 200);
    assert.match(account.text, /non résistant à l'hameçonnage/, "/account shows the key's ceiling");
    assert.ok(account.doc.querySelector(`a[href="${raisePath}"]`), '/account says how to raise it');

    // The e-CPS session itself cannot raise it: the raise page asks for the card.
    const weak = await browser.request(`${plain.issuer}${raisePath}`);
    assert.equal(weak.status, 200);
    assert.equal(weak.doc.querySelector('[data-webauthn]'), null);
    const csrf = weak.doc.querySelector('[data-csrf]')?.getAttribute('data-csrf') ?? account.doc.querySelector('input[name="_csrf"]')!.getAttribute('value')!;
    const refused = await browser.request(`${plain.issuer}${raisePath}/options`, { json: {}, headers: { 'x-csrf-token': csrf } });
    assert.ok(refused.status === 403, `an e-CPS session cannot raise the key: ${refused.status}`);

    // Sign in with the card (fresh), come back to the raise page, confirm with that key.
    const signInLink = weak.doc.querySelector('a.button-primary')!.getAttribute('href')!;
    const toGateway = await browser.follow(new URL(signInLink, plain.issuer));
    const raisePage = (await loginAtPsc(browser, toGateway.page!, { practitioner: '810104567894', means: 'card' })).page!;
    assert.equal(new URL(raisePage.url).pathname, raisePath, 'back on the raise page after the card');
    const section = raisePage.doc.querySelector('[data-webauthn]');
    assert.ok(section, 'the card session may raise the key');
    const headers = { 'x-csrf-token': section.getAttribute('data-csrf')! };
    const options = await browser.request(`${plain.issuer}${raisePath}/options`, { json: {}, headers });
    assert.equal(options.status, 200, options.body);
    assert.deepEqual(
      (options.json as { allowCredentials: Array<{ id: string }> }).allowCredentials.map((c) => c.id),
      [stored!.id],
      'only that key may answer',
    );
    const verify = await browser.request(`${plain.issuer}${raisePath}/verify`, {
      json: { response: key.authenticate(options.json as never, { origin: plain.issuer }) },
      headers,
    });
    assert.equal(verify.status, 200, verify.body);
    const [raised] = await credentialsOf(plain, '810104567894');
    assert.equal(raised?.binding?.assurance.method, 'psc-card');

    const phr = await keyAlone(plain, key, { acr_values: 'phr' });
    assert.equal(phr.verify.status, 200, 'the raised key now passes phishing-resistant applications');
    assert.ok((await auditEvents(plain, 'key.raised')).some((e) => e.actor === '810104567894' && e.outcome === 'success' && e.details?.by === 'sign-in'));
  });

  it('raises a key after an administrator checked the clinician in person (admin CLI), audited with who confirmed', async () => {
    const key = createSoftAuthenticator();
    await enrolAfterPsc(plain, '810105678905', 'ecps', key);
    const [stored] = await credentialsOf(plain, '810105678905');
    assert.equal((await admin(plain, 'confirm-key', '810105678905', '--key=not!base64')).status, 2);
    assert.equal((await admin(plain, 'confirm-key', '810102345672', `--key=${stored!.id}`)).status, 2, "another clinician's key");
    assert.equal((await credentialsOf(plain, '810105678905'))[0]?.binding?.by, 'sign-in', 'refusals change nothing');

    const confirmed = await admin(plain, 'confirm-key', '810105678905', `--key=${stored!.id}`);
    assert.equal(confirmed.status, 0, confirmed.stderr);
    assert.match(confirmed.stdout, /confirmed in person by iam-operator/);
    const [raised] = await credentialsOf(plain, '810105678905');
    assert.deepEqual([raised?.binding?.by, raised?.binding?.confirmedBy], ['in-person', 'iam-operator']);
    assert.equal((await admin(plain, 'confirm-key', '810105678905', `--key=${stored!.id}`)).status, 1, 'nothing left to raise');

    const { verify, request, browser } = await keyAlone(plain, key, { acr_values: 'phrh' });
    assert.equal(verify.status, 200, verify.body);
    assert.equal((await exchange({ ...request, callback: await followToRp(browser, plain, verify) })).claims()!.acr, 'phrh');
    assert.ok(
      (await auditEvents(plain, 'key.raised')).some(
        (e) => e.actor === '810105678905' && e.details?.by === 'in-person' && e.details?.operator === 'iam-operator',
      ),
    );
  });
});

describe('4. single sign-on honours every per-client rule', () => {
  it('asks an e-CPS session for the key before a key_after_ecps application gets a code', async () => {
    const key = createSoftAuthenticator();
    const browser = await enrolAfterPsc(rules, '810106789016', 'ecps', key);
    const request = await authorizationRequest(rules, { clientId: 'third-party-rp' });
    const sso = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    assert.equal(sso.stoppedAt, undefined, 'no code without the key');
    assert.match(new URL(sso.page!.url).pathname, /\/second-factor$/);
    const { verify } = await ceremony(browser, rules, interactionPath(sso.page!), 'second-factor', key);
    const claims = (await exchange({ ...request, callback: await followToRp(browser, rules, verify) })).claims()!;
    assert.equal(claims.sub, '810106789016');
    assert.deepEqual(claims.amr, ['swk', 'pin', 'hwk', 'mfa']);
  });

  it('does not let a session that skipped enrolment into an application that requires a key', async () => {
    const browser = new TestBrowser();
    await exchange(await signIn(rules, browser, { choice: { practitioner: '810107890127', means: 'card' } }));
    const request = await authorizationRequest(rules, { clientId: 'jwt-userinfo-rp' });
    const sso = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    assert.equal(sso.stoppedAt, undefined, 'no code without a key');
    assert.match(sso.page!.text, /exige une clé de sécurité ou un passkey/);
    const after = await loginAtPsc(browser, sso.page!, { practitioner: '810107890127', means: 'card' }, { skipEnrolment: false });
    assert.match(new URL(after.page!.url).pathname, /\/enrol$/, 'the new PSC sign-in leads to the enrolment');
    assert.equal(after.page!.doc.querySelector('form[action$="/enrol/skip"]'), null, 'which cannot be skipped');
  });
});

describe("5. auth_time is the authentication's, and an ended session stays ended", () => {
  it('keeps auth_time at the PSC sign-in, however long the enrolment page stayed open', async () => {
    const browser = new TestBrowser();
    const before = Math.floor(Date.now() / 1000);
    const { request, page } = await pscUntilNextStep(plain, browser, { practitioner: '899700427885', means: 'card' });
    const verified = Math.ceil(Date.now() / 1000);
    await new Promise((r) => setTimeout(r, 2100));
    const skipped = await browser.submit(page!, 'form[action$="/enrol/skip"]', {}, { stopAt: isRpRedirect });
    const authTime = (await exchange({ ...request, callback: skipped.stoppedAt! })).claims()!.auth_time!;
    assert.ok(authTime >= before && authTime <= verified, `auth_time ${authTime} is the PSC sign-in's (${before}–${verified}), not the time the page was left`);
  });

  it('a consent page left open after an administrator ended the sessions cannot bring the session back', async () => {
    const browser = new TestBrowser();
    const request = await authorizationRequest(plain, { clientId: 'third-party-rp' });
    const first = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    const consent = (await loginAtPsc(browser, first.page!, { practitioner: '0759912345', means: 'card' })).page as Page;
    assert.ok(consent.doc.querySelector('form[action$="/consent"]'), `the consent page: ${consent.url}`);
    const ended = await admin(plain, 'end-sessions', '0759912345');
    assert.equal(ended.status, 0, ended.stderr);

    const submitted = await browser.submit(consent, 'form[action$="/consent"]', {}, { stopAt: isRpRedirect });
    assert.equal(submitted.stoppedAt, undefined, 'no code');
    assert.equal(submitted.page?.status, 403);
    assert.match(submitted.page!.text, /a été fermée pendant que la page était ouverte/);
    assert.ok((await auditEvents(plain, 'signin.failed')).some((e) => e.actor === '0759912345' && e.reason === 'session-ended'));

    const silent = await authorizationRequest(plain, { clientId: 'test-rp', params: { prompt: 'none' } });
    const answer = await browser.follow(silent.url, {}, { stopAt: isRpRedirect });
    assert.equal(answer.stoppedAt?.searchParams.get('error'), 'login_required', 'prompt=none finds no session');
  });

  it('a sign-in verified before the administrator ended the sessions cannot finish from its enrolment page', async () => {
    const browser = new TestBrowser();
    const { page } = await pscUntilNextStep(plain, browser, { practitioner: 'ANS20231122132732', means: 'card' });
    assert.match(new URL(page!.url).pathname, /\/enrol$/);
    assert.equal((await admin(plain, 'end-sessions', 'ANS20231122132732')).status, 1, 'no live session yet');
    const skipped = await browser.submit(page!, 'form[action$="/enrol/skip"]', {}, { stopAt: isRpRedirect });
    assert.equal(skipped.stoppedAt, undefined);
    assert.equal(skipped.page?.status, 403);
  });
});

describe('8. amr names the key actually used', () => {
  it('e-CPS then a synced passkey says swk, not hwk', async () => {
    const passkey = createSoftAuthenticator({ backupEligible: true, backedUp: true, counter: 'zero' });
    await enrolAfterPsc(rules, '810102345672', 'card', passkey);
    const browser = new TestBrowser();
    const { request, page } = await pscUntilNextStep(rules, browser, { practitioner: '810102345672', means: 'ecps' }, { clientId: 'third-party-rp' });
    assert.match(new URL(page!.url).pathname, /\/second-factor$/);
    const { verify } = await ceremony(browser, rules, interactionPath(page!), 'second-factor', passkey);
    const claims = (await exchange({ ...request, callback: await followToRp(browser, rules, verify) })).claims()!;
    assert.deepEqual(claims.amr, ['swk', 'pin', 'mfa']);
    assert.ok(!(claims.amr as string[]).includes('hwk'));
  });
});
