/**
 * /account over real HTTP: sign-in through the gateway, the clinician's own keys only, CSRF
 * on every state-changing request, a recent authentication for revoking and adding, removal
 * only through its confirmation page, staff actions in words in the clinician's own activity,
 * and the admin command that revokes every key of a clinician who leaves.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser, type Page } from '../support/browser.ts';
import { createSoftAuthenticator, type SoftAuthenticator } from '../support/soft-authenticator.ts';
import { ceremony, csrfOf, followToRp, interactionPath, pscUntilNextStep } from '../support/key-journey.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { createCredentialRepository } from '../../src/webauthn/index.ts';
import { TEST_REDIS_URL } from '../support/redis.ts';

let stack: Stack;
const STAFF = '899700427885';
/** The portal's fresh-authentication window in this stack (5 minutes in production): short enough to wait past, long enough for a busy machine. */
const FRESH_SECONDS = 4;
beforeAll(async () => {
  stack = await startStack({
    name: 'account-portal',
    overrides: { 'portal.freshAuthSeconds': FRESH_SECONDS, 'pilot.staffIdNats': [STAFF], 'admin.idNats': [STAFF] },
  });
});
afterAll(async () => {
  await stack.close();
});

const repository = () => createCredentialRepository(stack.store, createKeyNames(stack.prefix));

/** A clinician with one key, signed in to the gateway in `browser`. */
async function clinicianWithKey(practitioner: string): Promise<{ browser: TestBrowser; key: SoftAuthenticator }> {
  const browser = new TestBrowser();
  const key = createSoftAuthenticator();
  const { page } = await pscUntilNextStep(stack, browser, { practitioner, means: 'card' });
  const { verify } = await ceremony(browser, stack, interactionPath(page!), 'enrol', key, { name: 'Clé de départ' });
  await followToRp(browser, stack, verify);
  return { browser, key };
}

async function accountPage(browser: TestBrowser): Promise<Page> {
  const page = await browser.request(`${stack.issuer}/account`);
  assert.equal(page.status, 200, page.body.slice(0, 200));
  return page;
}

describe('/account', () => {
  it('sends a visitor without a session to sign in through the gateway, then back', async () => {
    const browser = new TestBrowser();
    const first = await browser.request(`${stack.issuer}/account`);
    assert.equal(first.status, 303);
    assert.equal(first.headers.get('location'), '/account/login?return=%2Faccount');
    const login = await browser.follow(`${stack.issuer}/account/login`);
    assert.match(login.page!.text, /Identifiez-vous pour accéder à Mon espace HospiConnect/);
    const psc = await browser.submit(login.page!, 'form[action$="/psc"]');
    const back = await browser.submit(psc.page!, 'form.login-form', { action: 'login', practitioner: '810103456783', means: 'card' });
    assert.equal(back.page?.status, 200);
    assert.match(back.page!.url, /\/account$/);
    assert.match(back.page!.text, /Mon espace HospiConnect/);
    assert.match(back.page!.text, /810103456783/);
  });

  it('refuses a forged or replayed portal callback', async () => {
    const browser = new TestBrowser();
    for (const query of ['', '?state=abc', `?state=${'A'.repeat(32)}&code=x`]) {
      const page = await browser.request(`${stack.issuer}/account/callback${query}`);
      assert.equal(page.status, 400, query);
    }
  });

  it("renames only with the CSRF token, and only the clinician's own key", async () => {
    const { browser } = await clinicianWithKey('810104567894');
    const other = await clinicianWithKey('810105678905');
    const [mine] = await repository().listByAccount('810104567894');
    const [theirs] = await repository().listByAccount('810105678905');
    const page = await accountPage(browser);
    const activity = page.doc.querySelectorAll('tr[data-event]').map((row) => row.getAttribute('data-event'));
    assert.ok(
      activity.includes('signin.succeeded') && activity.includes('key.enrolled') && activity.includes('psc.verified'),
      `own recent events shown: ${activity.join(', ')}`,
    );
    const url = (id: string, action: string) => `${stack.issuer}/account/keys/${encodeURIComponent(id)}/${action}`;

    const noToken = await browser.request(url(mine!.id, 'rename'), { form: { name: 'Pirate' } });
    assert.equal(noToken.status, 403);
    const wrongToken = await other.browser.request(url(mine!.id, 'rename'), { form: { name: 'Pirate', _csrf: csrfOf(page) } });
    assert.equal(wrongToken.status, 403, 'a token is bound to its session');
    const notMine = await browser.request(url(theirs!.id, 'rename'), { form: { name: 'Pirate', _csrf: csrfOf(page) } });
    assert.equal(notMine.status, 404);
    const tooLong = await browser.request(url(mine!.id, 'rename'), { form: { name: 'x'.repeat(61), _csrf: csrfOf(page) } });
    assert.equal(tooLong.status, 400);
    assert.equal((await repository().listByAccount('810105678905'))[0]?.name, 'Clé de départ');
    const ok = await browser.request(url(mine!.id, 'rename'), { form: { name: 'Clé du bloc B', _csrf: csrfOf(page) } });
    assert.equal(ok.status, 303);
    assert.equal((await repository().listByAccount('810104567894'))[0]?.name, 'Clé du bloc B');
  });

  it('removing a key: a confirmation page first; the removal needs confirm=yes and a recent authentication', async () => {
    const { browser, key } = await clinicianWithKey('810106789016');
    const [mine] = await repository().listByAccount('810106789016');
    const confirmPath = `/account/keys/${encodeURIComponent(mine!.id)}/revoke`;
    const page = await accountPage(browser);
    assert.equal(page.doc.querySelectorAll('form[action$="/revoke"]').length, 0, 'no one-click removal on /account');
    assert.equal(page.doc.querySelector(`a[href="${confirmPath}"]`)?.text.trim(), 'Retirer «\u00a0Clé de départ\u00a0»');

    const confirm = await browser.request(`${stack.issuer}${confirmPath}`);
    assert.equal(confirm.status, 200);
    assert.match(confirm.text, /Retirer « Clé de départ » \?/);
    assert.match(confirm.doc.querySelector('[data-last-key]')?.text ?? '', /dernière clé.*Pro Santé Connect.*carte CPS ou l'application e-CPS/s);
    const unconfirmed = await browser.request(`${stack.issuer}${confirmPath}`, { form: { _csrf: csrfOf(page) } });
    assert.equal(unconfirmed.status, 303);
    assert.equal(unconfirmed.headers.get('location'), confirmPath, 'a removal without confirm=yes goes back to the confirmation');
    assert.equal((await repository().listByAccount('810106789016')).length, 1, 'nothing removed');

    await new Promise((r) => setTimeout(r, FRESH_SECONDS * 1000 + 500));
    const stale = await browser.request(`${stack.issuer}${confirmPath}`, { form: { _csrf: csrfOf(page), confirm: 'yes' } });
    assert.equal(stale.headers.get('location'), confirmPath);
    assert.equal((await repository().listByAccount('810106789016')).length, 1, 'nothing removed after the five-minute window');
    const asks = await browser.request(`${stack.issuer}${confirmPath}`);
    assert.equal(asks.doc.querySelectorAll('form[action$="/revoke"]').length, 0, 'no removal button before the identity is confirmed');
    const signIn = asks.doc.querySelector('a[href^="/account/login"]')?.getAttribute('href');
    assert.equal(signIn, `/account/login?fresh=1&return=${encodeURIComponent(confirmPath)}`);

    const fresh = await browser.follow(new URL(signIn!, stack.issuer));
    const { verify } = await ceremony(browser, stack, interactionPath(fresh.page!), 'webauthn', key);
    const back = await browser.follow(new URL((verify.json as { redirectTo: string }).redirectTo, stack.issuer));
    assert.equal(new URL(back.page!.url).pathname, confirmPath, 'back on the confirmation after confirming the identity');
    const revoked = await browser.submit(back.page!, 'form[action$="/revoke"]');
    assert.match(revoked.page!.url, /notice=revoked-last/);
    assert.match(revoked.page!.text, /Vous n'avez plus de clé : connectez-vous avec Pro Santé Connect/);
    assert.equal((await repository().listByAccount('810106789016')).length, 0);
  });

  it("the confirmation page is only for the clinician's own keys", async () => {
    // The other clinician first: the requests below then come within the fresh-authentication
    // window of this one's sign-in (past it, the page asks to confirm the identity first: 303).
    const other = await clinicianWithKey('810102345672');
    const [theirs] = await repository().listByAccount('810102345672');
    const { browser } = await clinicianWithKey('810101234561');
    const page = await browser.request(`${stack.issuer}/account/keys/${encodeURIComponent(theirs!.id)}/revoke`);
    assert.equal(page.status, 404);
    const post = await browser.request(`${stack.issuer}/account/keys/${encodeURIComponent(theirs!.id)}/revoke`, {
      form: { _csrf: csrfOf(await accountPage(browser)), confirm: 'yes' },
    });
    assert.equal(post.status, 404);
    assert.equal((await repository().listByAccount('810102345672')).length, 1);
    assert.equal((await accountPage(other.browser)).status, 200);
  });

  it('after the five-minute window, /account asks to confirm the identity before asking a key name', async () => {
    const { browser } = await clinicianWithKey('810103456783');
    await new Promise((r) => setTimeout(r, FRESH_SECONDS * 1000 + 500));
    const stale = await accountPage(browser);
    assert.equal(stale.doc.querySelector('#key-name'), null, 'no key name field that re-authenticating would empty');
    assert.equal(stale.doc.querySelector('[data-webauthn]'), null, 'no key ceremony block without its button');
    assert.equal(stale.doc.querySelector('a[href="/account/login?fresh=1&return=%2Faccount"]')?.text.trim(), 'Confirmer mon identité');
  });

  it('adds a key from /account with a recent authentication and the CSRF token', async () => {
    const { browser } = await clinicianWithKey('810107890127');
    const page = await accountPage(browser);
    const csrf = csrfOf(page);
    const second = createSoftAuthenticator({ alg: 'EdDSA' });
    const noCsrf = await browser.request(`${stack.issuer}/account/keys/options`, { json: {} });
    assert.equal(noCsrf.status, 403);
    const options = await browser.request(`${stack.issuer}/account/keys/options`, { json: {}, headers: { 'x-csrf-token': csrf } });
    assert.equal(options.status, 200);
    assert.equal((options.json as { excludeCredentials: unknown[] }).excludeCredentials.length, 1, 'the existing key is excluded');
    const response = second.register(options.json as never, { origin: stack.issuer });
    const verify = await browser.request(`${stack.issuer}/account/keys/verify`, {
      json: { response, name: 'Téléphone pro' },
      headers: { 'x-csrf-token': csrf },
    });
    assert.equal(verify.status, 200, verify.body);
    assert.deepEqual(
      (await repository().listByAccount('810107890127')).map((c) => c.name),
      ['Clé de départ', 'Téléphone pro'],
    );
  });

  it("a pilot team member's own exports and audit searches say what they were in their activity", async () => {
    const browser = new TestBrowser();
    const login = await browser.follow(`${stack.issuer}/account/login`);
    const psc = await browser.submit(login.page!, 'form[action$="/psc"]');
    await browser.submit(psc.page!, 'form.login-form', { action: 'login', practitioner: STAFF, means: 'card' });
    for (const path of [
      '/pilot/export.csv?from=2026-11-04&to=2026-12-03',
      '/pilot/export.json?from=2026-11-04&to=2026-12-03',
      '/admin/audit?type=key.enrolled',
    ]) {
      assert.equal((await browser.request(`${stack.issuer}${path}`)).status, 200, path);
    }
    const rows = (await accountPage(browser)).doc.querySelectorAll('tr[data-event="admin.action"]').map((row) => row.querySelectorAll('td')[1]!.text.trim());
    assert.deepEqual(rows, [
      "Recherche dans le journal d'audit",
      'Export des chiffres du pilote (JSON, du 4 nov. 2026 au 3 déc. 2026)',
      'Export des chiffres du pilote (CSV, du 4 nov. 2026 au 3 déc. 2026)',
    ]);
  });

  it('admin revoke-keys removes every key of a clinician who leaves', async () => {
    await clinicianWithKey('0759912345');
    const env = { ...process.env, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: stack.prefix, KEYS_DIR: stack.keysDir, NODE_ENV: 'test' };
    const run = (...args: string[]) => spawnSync(process.execPath, ['src/admin/cli.ts', ...args], { encoding: 'utf8', env });
    const list = run('list-keys', '0759912345');
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /1 key\(s\) for 0759912345/);
    const revoke = run('revoke-keys', '0759912345');
    assert.equal(revoke.status, 0, revoke.stderr);
    assert.match(revoke.stdout, /revoked 1 key\(s\) of 0759912345/);
    assert.equal((await repository().listByAccount('0759912345')).length, 0);
    const recent = await stack.gateways[0]!.auditLog.range({ order: 'newest-first', limit: 5 });
    const revokedEvent = recent.find((e) => e.type === 'key.revoked' && e.actor === '0759912345');
    assert.equal(revokedEvent?.details?.by, 'admin');
    assert.ok(recent.some((e) => e.type === 'admin.action' && e.details?.action === 'revoke-keys' && e.details?.target === '0759912345'));
    assert.equal((await stack.gateways[0]!.verifyAudit()).ok, true, "the command chained its events onto the gateways' trail");
    assert.equal(run('revoke-keys', '0759912345').status, 1, 'nothing left to revoke');
    const bad = run('revoke-keys', 'a}b');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /not a national identifier/);
    assert.equal(run().status, 2);
    assert.equal(run('explode', 'x').status, 2);
  });
});
