/**
 * The means lifecycle (RIE) over real HTTP with a software authenticator: a key past its
 * maximum age is refused alone with a French explanation (noted once in the audit trail), a
 * PSC sign-in then that key confirms it (it signs in alone again), "later" leaves it refused,
 * a key near its age is flagged in /account, and a shorter maximum age is the establishment's.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { createSoftAuthenticator, type SoftAuthenticator } from '../support/soft-authenticator.ts';
import { ceremony, followToRp, interactionPath, loginPage, pscUntilNextStep } from '../support/key-journey.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { createCredentialRepository } from '../../src/webauthn/index.ts';

const DAY = 86_400_000;
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    name: 'means-lifecycle',
    overrides: { 'means.maxKeyAgeDays': 400, 'means.warnDays': 20 },
    clientOverrides: { 'third-party-rp': { key_after_ecps: true, first_party: true } },
  });
});
afterAll(async () => {
  await stack.close();
});

const repository = () => createCredentialRepository(stack.store, createKeyNames(stack.prefix));

async function enrol(practitioner: string, key: SoftAuthenticator): Promise<TestBrowser> {
  const browser = new TestBrowser();
  const { page } = await pscUntilNextStep(stack, browser, { practitioner, means: 'card' });
  assert.match(new URL(page!.url).pathname, /\/enrol$/);
  const { verify } = await ceremony(browser, stack, interactionPath(page!), 'enrol', key, { name: 'Clé du service' });
  await followToRp(browser, stack, verify);
  return browser;
}

/** Moves every date of the account's keys `days` into the past (as if enrolled then). */
async function age(practitioner: string, days: number): Promise<void> {
  const keyNames = createKeyNames(stack.prefix);
  for (const credential of await repository().listByAccount(practitioner)) {
    const hash = (await stack.store.hgetall(keyNames.credential(credential.id)))!;
    const record = JSON.parse(hash.record!) as { createdAt: number };
    const fields: Record<string, string> = { record: JSON.stringify({ ...record, createdAt: record.createdAt - days * DAY }) };
    if (hash.binding) {
      const binding = JSON.parse(hash.binding) as { at: number };
      fields.binding = JSON.stringify({ ...binding, at: binding.at - days * DAY });
    }
    if (hash.confirmedAt) fields.confirmedAt = JSON.stringify(Number(hash.confirmedAt) - days * DAY);
    assert.ok(await stack.store.hsetIfExists(keyNames.credential(credential.id), fields));
  }
}

async function keySignIn(key: SoftAuthenticator) {
  const browser = new TestBrowser();
  const { base } = await loginPage(stack, browser);
  return { browser, ...(await ceremony(browser, stack, base, 'webauthn', key)) };
}

const events = async (type: string, actor: string) =>
  (await stack.gateways[0]!.auditLog.range({ order: 'newest-first', limit: 200 })).filter((e) => e.type === type && e.actor === actor);

describe('means lifecycle: maximum age of a key', () => {
  it('refuses a key past its maximum age with a French explanation, and notes the expiry once', async () => {
    const key = createSoftAuthenticator();
    await enrol('810101234561', key);
    assert.equal((await keySignIn(key)).verify.status, 200, 'a new key signs in');
    await age('810101234561', 401);
    const refused = await keySignIn(key);
    assert.equal(refused.verify.status, 403);
    const body = refused.verify.json as { error: string; message: string };
    assert.equal(body.error, 'key-age-expired');
    assert.match(body.message, /Clé du service.*plus de 400 jours.*confirmée à nouveau.*Pro Santé Connect.*touchez cette clé/);
    assert.equal((await keySignIn(key)).verify.status, 403, 'refused again');
    assert.equal((await events('key.expired', '810101234561')).length, 1, 'the expiry is recorded once');
    const failed = await events('signin.failed', '810101234561');
    assert.equal(failed[0]?.reason, 'key-age-expired');
  });

  it('a PSC sign-in then that key confirms it: it signs in alone again', async () => {
    const key = createSoftAuthenticator();
    await enrol('810102345672', key);
    await age('810102345672', 401);
    const browser = new TestBrowser();
    const { page } = await pscUntilNextStep(stack, browser, { practitioner: '810102345672', means: 'card' });
    assert.match(new URL(page!.url).pathname, /\/confirm-key$/, 'after PSC, the key to confirm is asked for');
    assert.match(page!.text, /Confirmez votre clé de sécurité/);
    assert.match(page!.text, /Clé du service/);
    assert.match(page!.text, /ne permet plus de se connecter seule/);
    const { verify } = await ceremony(browser, stack, interactionPath(page!), 'confirm-key', key);
    await followToRp(browser, stack, verify);
    const [stored] = await repository().listByAccount('810102345672');
    assert.ok(stored?.confirmedAt && Date.now() - stored.confirmedAt < 60_000, 'confirmed now');
    const confirmed = await events('key.confirmed', '810102345672');
    assert.deepEqual([confirmed.length, confirmed[0]?.details?.via], [1, 'after-psc']);
    assert.equal((await keySignIn(key)).verify.status, 200, 'the key signs in alone again');
  });

  it('a key past its age used as the second factor after e-CPS is confirmed by that sign-in', async () => {
    const key = createSoftAuthenticator();
    await enrol('899700427885', key);
    await age('899700427885', 401);
    const browser = new TestBrowser();
    const { page } = await pscUntilNextStep(stack, browser, { practitioner: '899700427885', means: 'ecps' }, { clientId: 'third-party-rp' });
    assert.match(new URL(page!.url).pathname, /\/second-factor$/);
    const { verify } = await ceremony(browser, stack, interactionPath(page!), 'second-factor', key);
    await followToRp(browser, stack, verify);
    const confirmed = await events('key.confirmed', '899700427885');
    assert.deepEqual([confirmed.length, confirmed[0]?.details?.via, confirmed[0]?.details?.method], [1, 'second-factor', 'psc-ecps']);
    assert.equal((await keySignIn(key)).verify.status, 200, 'the key signs in alone again');
  });

  it('"later" finishes the PSC sign-in without confirming: the key stays refused alone', async () => {
    const key = createSoftAuthenticator();
    await enrol('810103456783', key);
    await age('810103456783', 401);
    const browser = new TestBrowser();
    const { page } = await pscUntilNextStep(stack, browser, { practitioner: '810103456783', means: 'card' });
    assert.match(new URL(page!.url).pathname, /\/confirm-key$/);
    const later = await browser.submit(page!, 'form[action$="/confirm-key/skip"]', {}, { stopAt: (url) => url.href.startsWith('http://127.0.0.1:9/cb') });
    assert.ok(later.stoppedAt, 'back at the application');
    assert.equal((await keySignIn(key)).verify.status, 403);
    assert.equal((await events('key.confirmed', '810103456783')).length, 0);
  });

  it("refuses a confirmation with another clinician's key", async () => {
    const mine = createSoftAuthenticator();
    const theirs = createSoftAuthenticator();
    await enrol('810104567894', mine);
    await enrol('810105678905', theirs);
    await age('810104567894', 401);
    const browser = new TestBrowser();
    const { page } = await pscUntilNextStep(stack, browser, { practitioner: '810104567894', means: 'card' });
    const { verify } = await ceremony(browser, stack, interactionPath(page!), 'confirm-key', theirs, {}, { credentialId: theirs.credentials[0]!.id });
    assert.equal(verify.status, 400);
    assert.equal((verify.json as { error: string }).error, 'wrong-account');
    assert.equal((await keySignIn(mine)).verify.status, 403, 'still to be confirmed');
  });

  it('without SMTP, /account has no e-mail section and its forms answer a French page', async () => {
    const browser = await enrol('810107890127', createSoftAuthenticator());
    const page = await browser.request(`${stack.issuer}/account`);
    assert.equal(page.doc.querySelector('#email'), null);
    const csrf = page.doc.querySelector('input[name="_csrf"]')!.getAttribute('value')!;
    const posted = await browser.request(`${stack.issuer}/account/email`, { form: { _csrf: csrf, email: 'a@b.test' } });
    assert.equal(posted.status, 404);
    assert.match(posted.text, /Cette page n'existe pas/);
  });

  it('warns in /account before the key expires, and says what to do once it has', async () => {
    const key = createSoftAuthenticator();
    const browser = await enrol('810106789016', key);
    let page = await browser.request(`${stack.issuer}/account`);
    assert.equal(page.status, 200);
    assert.equal(page.doc.querySelector('[data-keys-due]'), null, 'nothing to confirm yet');
    await age('810106789016', 390);
    page = await browser.request(`${stack.issuer}/account`);
    assert.ok(page.doc.querySelector('[data-keys-due]'), 'a banner says a key is to confirm');
    assert.match(page.doc.querySelector('[data-key-due-soon]')!.text, /À confirmer avec Pro Santé Connect dans 10 jour\(s\)/);
    await age('810106789016', 20);
    page = await browser.request(`${stack.issuer}/account`);
    assert.match(page.doc.querySelector('[data-key-expired]')!.text, /ne permet plus de se connecter seule/);
    assert.equal((await events('key.expired', '810106789016')).length, 1);
  });
});
