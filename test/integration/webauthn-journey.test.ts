/**
 * Keys and passkeys in the login journey over real HTTP with a software authenticator
 * (real WebAuthn bytes): enrolment after PSC, passwordless sign-in with the level of the
 * key, replay, missing user verification, a cloned key, bad bodies, the second factor after
 * e-CPS, mandatory enrolment, a key whose model the FIDO Metadata Service reports revoked.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { createSoftAuthenticator, type SoftAuthenticator } from '../support/soft-authenticator.ts';
import { exchange } from '../support/psc-login.ts';
import { ceremony, csrfOf, followToRp, interactionPath, loginPage, pscUntilNextStep } from '../support/key-journey.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { createCredentialRepository } from '../../src/webauthn/index.ts';
import { createMetadataStore, importBlob, METADATA_REFRESH_MS } from '../../src/mds/index.ts';
import { createTestPki } from '../support/test-pki.ts';
import { createTestMds } from '../support/test-mds.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    name: 'webauthn-journey',
    overrides: { 'support.contact': 'le support (poste 4242)' },
    clientOverrides: { 'jwt-userinfo-rp': { webauthn_enrolment: 'required' }, 'third-party-rp': { key_after_ecps: true, first_party: true } },
  });
});
afterAll(async () => {
  await stack.close();
});

const repository = () => createCredentialRepository(stack.store, createKeyNames(stack.prefix));

/** PSC sign-in then enrolment of `key` for `practitioner`; returns the tokens of that first sign-in. */
async function enrol(practitioner: string, key: SoftAuthenticator, name = 'Ma clé') {
  const browser = new TestBrowser();
  const { request, page } = await pscUntilNextStep(stack, browser, { practitioner, means: 'card' });
  assert.match(new URL(page!.url).pathname, /\/enrol$/, 'after PSC, a clinician without a key is offered enrolment');
  const { verify } = await ceremony(browser, stack, interactionPath(page!), 'enrol', key, { name });
  const callback = await followToRp(browser, stack, verify);
  return exchange({ ...request, callback });
}

async function passwordless(key: SoftAuthenticator, context: Record<string, unknown> = {}) {
  const browser = new TestBrowser();
  const { request, base } = await loginPage(stack, browser);
  const result = await ceremony(browser, stack, base, 'webauthn', key, {}, context);
  return { browser, request, base, ...result };
}

describe('keys in the login journey', () => {
  it("enrols a key after PSC (the level of that sign-in stays PSC's) and then signs in with it alone", async () => {
    const key = createSoftAuthenticator({ alg: 'ES256' });
    const first = await enrol('810104567894', key, 'Clé bleue');
    assert.equal(first.claims()!.acr, 'eidas3');
    const [stored] = await repository().listByAccount('810104567894');
    assert.equal(stored?.name, 'Clé bleue');
    assert.equal(stored?.kind, 'security-key');

    const { verify, request, browser } = await passwordless(key);
    const tokens = await exchange({ ...request, callback: await followToRp(browser, stack, verify) });
    assert.equal(tokens.claims()!.sub, '810104567894');
    assert.equal(tokens.claims()!.acr, 'eidas2');
    assert.deepEqual(tokens.claims()!.amr, ['hwk', 'mfa']);
  });

  it('gives a synced passkey its own amr', async () => {
    const key = createSoftAuthenticator({ alg: 'EdDSA', backupEligible: true, backedUp: true });
    await enrol('810105678905', key);
    const { verify, request, browser } = await passwordless(key);
    const tokens = await exchange({ ...request, callback: await followToRp(browser, stack, verify) });
    assert.deepEqual(tokens.claims()!.amr, ['swk', 'mfa']);
    assert.equal((await repository().listByAccount('810105678905'))[0]?.kind, 'synced-passkey');
  });

  it('refuses a replayed assertion and changes nothing', async () => {
    const key = createSoftAuthenticator();
    await enrol('810101234561', key);
    const first = await passwordless(key);
    assert.equal(first.verify.status, 200);
    const before = await repository().listByAccount('810101234561');
    const replay = await first.browser.request(`${stack.issuer}${first.base}/webauthn/verify`, { json: { response: first.response } });
    assert.equal(replay.status, 400);
    assert.equal((replay.json as { error: string }).error, 'challenge-expired');
    assert.deepEqual(await repository().listByAccount('810101234561'), before);
  });

  it('refuses an assertion without user verification with a French explanation', async () => {
    const key = createSoftAuthenticator();
    await enrol('810106789016', key);
    const { verify } = await passwordless(key, { userVerified: false });
    assert.equal(verify.status, 400);
    assert.equal((verify.json as { error: string }).error, 'user-verification-missing');
    assert.match((verify.json as { message: string }).message, /n'a pas vérifié que c'est bien vous/);
  });

  it('blocks a key whose counter goes backwards and tells whom to call', async () => {
    const key = createSoftAuthenticator({ signCount: 10 });
    await enrol('810107890127', key);
    assert.equal((await passwordless(key)).verify.status, 200);
    const cloned = await passwordless(key, { counterOverride: 3 });
    assert.equal(cloned.verify.status, 400);
    assert.match((cloned.verify.json as { message: string }).message, /copiée.*le support \(poste 4242\)/);
    const [stored] = await repository().listByAccount('810107890127');
    assert.equal(stored?.blocked?.reason, 'counter-regression');
    const after = await passwordless(key);
    assert.equal((after.verify.json as { error: string }).error, 'blocked');
  });

  it('refuses a key once an imported BLOB reports its model revoked, tells the clinician what to do, and audits it', async () => {
    const aaguid = '7e57a000-0000-4000-8000-0000000000aa';
    const key = createSoftAuthenticator({ aaguid, attestation: 'packed' });
    await enrol('810103456783', key);
    assert.equal((await passwordless(key)).verify.status, 200);

    const pki = createTestPki();
    try {
      const mds = createTestMds(pki);
      await importBlob(
        createMetadataStore(stack.store, createKeyNames(stack.prefix)),
        mds.blob({ no: 1, entries: [{ aaguid, roots: [mds.root.cert], statuses: ['REVOKED'] }] }),
        { roots: [mds.root.cert] },
      );
    } finally {
      pki.remove();
    }
    await new Promise((resolve) => setTimeout(resolve, METADATA_REFRESH_MS + 200)); // every instance rereads within that time

    const refused = await passwordless(key);
    assert.equal(refused.verify.status, 400);
    assert.equal((refused.verify.json as { error: string }).error, 'key-model-compromised');
    assert.match((refused.verify.json as { message: string }).message, /signalé comme vulnérable.*Pro Santé Connect.*retirez-la.*le support \(poste 4242\)/);
    const events = await stack.gateways[0]!.auditLog.range({ order: 'newest-first', limit: 10 });
    const event = events.find((e) => e.type === 'key.model_compromised');
    assert.equal(event?.actor, '810103456783');
    assert.deepEqual(
      [event?.reason, event?.details?.status, event?.details?.aaguid, event?.details?.ceremony],
      ['key-model-compromised', 'REVOKED', aaguid, 'sign-in'],
    );

    // Enrolling another key of that model is refused too.
    const browser = new TestBrowser();
    const { page } = await pscUntilNextStep(stack, browser, { practitioner: '899700427885', means: 'card' });
    const { verify } = await ceremony(browser, stack, interactionPath(page!), 'enrol', createSoftAuthenticator({ aaguid, attestation: 'packed' }));
    assert.equal(verify.status, 400);
    assert.equal((verify.json as { error: string }).error, 'model-compromised');
    assert.match((verify.json as { message: string }).message, /retiré ou signalé comme vulnérable/);
    assert.deepEqual(await repository().listByAccount('899700427885'), []);
  });

  it('refuses bad bodies with JSON errors: not JSON, garbage, oversized', async () => {
    const browser = new TestBrowser();
    const { base } = await loginPage(stack, browser);
    const url = `${stack.issuer}${base}/webauthn/verify`;
    const notJson = await browser.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, form: undefined });
    assert.ok([400].includes(notJson.status), `empty: ${notJson.status}`);
    for (const response of [
      null,
      'x',
      { id: '!!!', rawId: 1 },
      { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: '%%%', authenticatorData: 'AA', signature: 'AA' } },
    ]) {
      await browser.request(`${stack.issuer}${base}/webauthn/options`, { json: {} });
      const page = await browser.request(url, { json: { response } });
      assert.equal(page.status, 400, JSON.stringify(response));
      assert.equal((page.json as { error: string }).error, 'malformed', JSON.stringify(response));
    }
    const big = await browser.request(url, { json: { response: 'z'.repeat(40_000) } });
    assert.equal(big.status, 413);
    assert.equal((big.json as { error: string }).error, 'payload_too_large');
    const broken = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: await browser.jar.getCookieString(url) },
      body: '{"response":',
    });
    assert.equal(broken.status, 400);
    assert.equal(((await broken.json()) as { error: string }).error, 'malformed');
  });

  it("asks for one of the clinician's keys after e-CPS when the application wants it", async () => {
    const key = createSoftAuthenticator();
    await enrol('810102345672', key);
    const other = createSoftAuthenticator();
    await enrol('0759912345', other);

    const browser = new TestBrowser();
    const { request, page } = await pscUntilNextStep(stack, browser, { practitioner: '810102345672', means: 'ecps' }, { clientId: 'third-party-rp' });
    assert.match(new URL(page!.url).pathname, /\/second-factor$/);
    const base = interactionPath(page!);

    // The enrolment step cannot finish a login that waits for its second factor (found by fuzzing).
    const skip = await browser.request(`${stack.issuer}${base}/enrol/skip`, { form: { _csrf: csrfOf(page!) } });
    assert.equal(skip.status, 400, '"later" does not skip the second factor');
    assert.equal(skip.headers.get('location'), null);
    const enrolNew = await browser.request(`${stack.issuer}${base}/enrol/options`, { json: {} });
    assert.equal(enrolNew.status, 400, 'nor does enrolling a new key');

    const intruder = await ceremony(browser, stack, base, 'second-factor', other, {}, { credentialId: other.credentials[0]!.id });
    assert.equal(intruder.verify.status, 400, "another account's key is refused");
    assert.equal((intruder.verify.json as { error: string }).error, 'wrong-account');
    const allowed = (intruder.options.allowCredentials as Array<{ id: string }>).map((c) => c.id);
    assert.deepEqual(
      allowed,
      (await repository().listByAccount('810102345672')).map((c) => c.id),
    );

    const { verify } = await ceremony(browser, stack, base, 'second-factor', key);
    const tokens = await exchange({ ...request, callback: await followToRp(browser, stack, verify) });
    assert.equal(tokens.claims()!.acr, 'eidas2');
    assert.deepEqual(tokens.claims()!.amr, ['swk', 'pin', 'hwk', 'mfa']);
  });

  it('requires enrolment when the application says so: no skipping', async () => {
    const browser = new TestBrowser();
    const { page } = await pscUntilNextStep(stack, browser, { practitioner: 'ANS20231122132732', means: 'card' }, { clientId: 'jwt-userinfo-rp' });
    assert.match(new URL(page!.url).pathname, /\/enrol$/);
    assert.equal(page!.doc.querySelector('form[action$="/enrol/skip"]'), null, 'no "later" button');
    const skip = await browser.request(`${stack.issuer}${interactionPath(page!)}/enrol/skip`, { form: { _csrf: csrfOf(page!) } });
    assert.equal(skip.status, 400);
    assert.match(skip.text, /exige l'enregistrement d'une clé/);
  });
});
