/**
 * Notices of changes to a clinician's means over real HTTP, and their e-mail copies through a
 * real SMTP exchange with a local server: shown once at the next sign-in and acknowledged once,
 * the warning of a key to confirm soon, the address verified with a one-time code (wrong,
 * expired, reused, too many tries, rate limit), no code in logs or audit trail.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_REDIS_URL } from '../support/redis.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser, type Page } from '../support/browser.ts';
import { createSoftAuthenticator, type SoftAuthenticator } from '../support/soft-authenticator.ts';
import { ceremony, followToRp, interactionPath, loginPage, pscUntilNextStep } from '../support/key-journey.ts';
import { isRpRedirect } from '../support/psc-login.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { createCredentialRepository } from '../../src/webauthn/index.ts';

const DAY = 86_400_000;
let stack: Stack;
let smtp: TestSmtpServer;
const logs: string[] = [];
beforeAll(async () => {
  smtp = await startSmtpServer();
  stack = await startStack({
    name: 'means-notices',
    logs,
    overrides: {
      'means.noticesAtSignIn': true,
      'means.maxKeyAgeDays': 400,
      'means.warnDays': 20,
      'mail.smtp.host': '127.0.0.1',
      'mail.smtp.port': smtp.port,
      'mail.smtp.requireTls': false,
      'mail.smtp.from': 'HospiConnect <hc@hopital.test>',
      'mail.codesPerHour': 3,
    },
  });
  dir = mkdtempSync(join(tmpdir(), 'hc-notices-'));
  writeFileSync(join(dir, 'clients.json'), `${JSON.stringify(stack.registrations, null, 2)}\n`);
});
afterAll(async () => {
  await stack.close();
  await smtp.close();
  rmSync(dir, { recursive: true, force: true });
});
let dir: string;

/** `npm run admin -- …` as an operator runs it, with the gateway's SMTP settings. */
function admin(...args: string[]): Promise<{ status: number | null; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: stack.prefix,
    KEYS_DIR: stack.keysDir,
    CLIENTS_FILE: join(dir, 'clients.json'),
    NODE_ENV: 'test',
    USER: 'iam-operator',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    SMTP_REQUIRE_TLS: 'false',
    SMTP_FROM: 'HospiConnect <hc@hopital.test>',
  };
  delete env.SUDO_USER;
  return new Promise((resolve) => {
    execFile(process.execPath, ['src/admin/cli.ts', ...args], { encoding: 'utf8', env }, (error, _stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr });
    });
  });
}

const keys = () => createKeyNames(stack.prefix);
const repository = () => createCredentialRepository(stack.store, keys());

async function enrol(practitioner: string, key: SoftAuthenticator): Promise<TestBrowser> {
  const browser = new TestBrowser();
  const { page } = await pscUntilNextStep(stack, browser, { practitioner, means: 'card' });
  const { verify } = await ceremony(browser, stack, interactionPath(page!), 'enrol', key, { name: 'Clé du service' });
  // The key just enrolled is not announced in the sign-in that enrolled it.
  await followToRp(browser, stack, verify);
  return browser;
}

/** A key sign-in; returns where the gateway sends the browser (the notices page, or the application). */
async function keySignIn(key: SoftAuthenticator): Promise<{ browser: TestBrowser; redirectTo: URL }> {
  const browser = new TestBrowser();
  const { base } = await loginPage(stack, browser);
  const { verify } = await ceremony(browser, stack, base, 'webauthn', key);
  assert.equal(verify.status, 200, verify.body);
  return { browser, redirectTo: new URL((verify.json as { redirectTo: string }).redirectTo, stack.issuer) };
}

const events = async (type: string, actor: string) =>
  (await stack.gateways[0]!.auditLog.range({ order: 'newest-first', limit: 500 })).filter((e) => e.type === type && e.actor === actor);

async function account(browser: TestBrowser, path = '/account'): Promise<Page> {
  const page = await browser.request(`${stack.issuer}${path}`);
  assert.equal(page.status, 200, page.body.slice(0, 300));
  return page;
}

describe('notices of changes to the means, at the next sign-in', () => {
  it('shows the changes since the last sign-in once; acknowledged, they are not shown again', async () => {
    const key = createSoftAuthenticator();
    const browser = await enrol('810101234561', key);
    const renamed = await browser.submit(await account(browser), `form[action$="/rename"]`, { name: 'Clé bleue' });
    assert.equal(renamed.page?.status, 200);

    const first = await keySignIn(key);
    assert.match(first.redirectTo.pathname, /^\/interaction\/[^/]+\/notices$/, 'the sign-in stops at the notices');
    const page = await first.browser.request(first.redirectTo);
    assert.equal(page.status, 200);
    const items = page.doc.querySelectorAll('[data-notice-change]').map((li) => li.getAttribute('data-notice-change'));
    assert.deepEqual(items, ['added', 'renamed']);
    assert.match(page.text, /Clé ajoutée à votre compte : la clé « Clé du service »\./);
    assert.match(page.text, /Clé renommée : la clé « Clé bleue »\./);
    assert.match(page.text, /Si vous n'êtes pas à l'origine/);
    const done = await first.browser.submit(page, 'form[action$="/notices"]', {}, { stopAt: isRpRedirect });
    assert.ok(done.stoppedAt, 'then the application');
    const acknowledged = await events('notices.acknowledged', '810101234561');
    assert.deepEqual([acknowledged.length, acknowledged[0]?.details?.count], [1, 2]);

    const replay = await first.browser.submit(page, 'form[action$="/notices"]', {}, { stopAt: isRpRedirect });
    assert.equal(replay.stoppedAt, undefined, 'the acknowledgement does not finish a login twice');
    assert.equal((await events('notices.acknowledged', '810101234561')).length, 1, 'nor is it recorded twice');

    const second = await keySignIn(key);
    assert.doesNotMatch(second.redirectTo.pathname, /\/notices$/, 'acknowledged notices are not shown again');
    assert.ok((await second.browser.follow(second.redirectTo, {}, { stopAt: isRpRedirect })).stoppedAt, 'straight to the application');
  });

  it('a forged acknowledgement covers only the notices shown', async () => {
    const key = createSoftAuthenticator();
    const browser = await enrol('810102345672', key);
    await browser.submit(await account(browser), `form[action$="/rename"]`, { name: 'Clé verte' });
    const first = await keySignIn(key);
    const page = await first.browser.request(first.redirectTo);
    await first.browser.submit(page, 'form[action$="/notices"]', { upTo: '999999999' }, { stopAt: isRpRedirect });
    const pending = await stack.store.get(keys().accountPart('810102345672', 'notices-ack'));
    const shown = (await events('key.renamed', '810102345672'))[0]!.seq;
    assert.equal(Number(pending), shown, 'acknowledged up to the last notice shown, not beyond');
  });

  it('notifies a revocation by an administrator (admin CLI) at the next sign-in, and by e-mail', async () => {
    const key = createSoftAuthenticator();
    const browser = await enrol('0759912345', key);
    await browser.submit(await account(browser), 'form[data-email-form]', { email: 'dr.garde@hopital.test' });
    const code = /code de vérification HospiConnect est : (\d{6})/.exec((await smtp.next()).text)![1]!;
    await browser.submit(await account(browser), 'form[data-email-code-form]', { code });
    const revoked = await admin('revoke-keys', '0759912345');
    assert.equal(revoked.status, 0, revoked.stderr);
    const mail = await smtp.next();
    assert.deepEqual(mail.to, ['dr.garde@hopital.test']);
    assert.match(mail.text, /Clé retirée : une clé \(par un administrateur : 1 clé\(s\) retirée\(s\)\)\./);

    const next = new TestBrowser();
    const { page: offer } = await pscUntilNextStep(stack, next, { practitioner: '0759912345', means: 'card' });
    assert.match(new URL(offer!.url).pathname, /\/enrol$/, 'without a key, the enrolment offer first');
    const page = (await next.submit(offer!, 'form[action$="/enrol/skip"]', {}, { stopAt: isRpRedirect })).page;
    assert.match(new URL(page!.url).pathname, /\/notices$/, 'then the revocation, before the application');
    assert.deepEqual(
      page!.doc.querySelectorAll('[data-notice-change]').map((li) => li.getAttribute('data-notice-change')),
      ['added', 'revoked'],
    );
    assert.match(page!.text, /par un administrateur : 1 clé\(s\) retirée\(s\)/);
  });

  it('notifies a key that reached its maximum age at the next sign-in', async () => {
    const key = createSoftAuthenticator();
    await enrol('ANS20231122132732', key);
    const ack = await keySignIn(key);
    await ack.browser.submit(await ack.browser.request(ack.redirectTo), 'form[action$="/notices"]', {}, { stopAt: isRpRedirect });
    const [credential] = await repository().listByAccount('ANS20231122132732');
    const hash = (await stack.store.hgetall(keys().credential(credential!.id)))!;
    const record = JSON.parse(hash.record!) as { createdAt: number };
    const binding = JSON.parse(hash.binding!) as { at: number };
    await stack.store.hsetIfExists(keys().credential(credential!.id), {
      record: JSON.stringify({ ...record, createdAt: record.createdAt - 401 * DAY }),
      binding: JSON.stringify({ ...binding, at: binding.at - 401 * DAY }),
    });
    const browser = new TestBrowser();
    const { base } = await loginPage(stack, browser);
    assert.equal((await ceremony(browser, stack, base, 'webauthn', key)).verify.status, 403, 'refused alone');

    const next = new TestBrowser();
    const { page } = await pscUntilNextStep(stack, next, { practitioner: 'ANS20231122132732', means: 'card' });
    assert.match(new URL(page!.url).pathname, /\/confirm-key$/);
    const { verify } = await ceremony(next, stack, interactionPath(page!), 'confirm-key', key);
    const notices = await next.request(new URL((verify.json as { redirectTo: string }).redirectTo, stack.issuer));
    assert.deepEqual(
      notices.doc.querySelectorAll('[data-notice-change]').map((li) => li.getAttribute('data-notice-change')),
      ['expired'],
    );
    assert.match(notices.text, /Clé arrivée à sa durée maximale, .* : la clé « Clé du service »\./);
  });

  it('warns at sign-in of a key to confirm soon, once a day', async () => {
    const key = createSoftAuthenticator();
    await enrol('810103456783', key);
    const store = stack.store;
    // Acknowledge the enrolment first, then age the key into the warning window.
    const ack = await keySignIn(key);
    await ack.browser.submit(await ack.browser.request(ack.redirectTo), 'form[action$="/notices"]', {}, { stopAt: isRpRedirect });
    const [credential] = await repository().listByAccount('810103456783');
    const hash = (await store.hgetall(keys().credential(credential!.id)))!;
    const record = JSON.parse(hash.record!) as { createdAt: number };
    const binding = JSON.parse(hash.binding!) as { at: number };
    await store.hsetIfExists(keys().credential(credential!.id), {
      record: JSON.stringify({ ...record, createdAt: record.createdAt - 390 * DAY }),
      binding: JSON.stringify({ ...binding, at: binding.at - 390 * DAY }),
    });

    // After PSC the key is asked for; "later" goes straight to the application, without the same warning again.
    const psc = new TestBrowser();
    const { page: confirm } = await pscUntilNextStep(stack, psc, { practitioner: '810103456783', means: 'card' });
    assert.match(new URL(confirm!.url).pathname, /\/confirm-key$/);
    assert.ok((await psc.submit(confirm!, 'form[action$="/confirm-key/skip"]', {}, { stopAt: isRpRedirect })).stoppedAt);
    assert.doesNotMatch((await keySignIn(key)).redirectTo.pathname, /\/notices$/, 'told once today already');
    await store.del(keys().accountPart('810103456783', 'age-warned')); // the next day

    const warned = await keySignIn(key);
    assert.match(warned.redirectTo.pathname, /\/notices$/);
    const page = await warned.browser.request(warned.redirectTo);
    assert.ok(page.doc.querySelector('[data-keys-to-confirm]'));
    assert.match(page.text, /Une clé doit bientôt être confirmée par Pro Santé Connect/);
    assert.equal(page.doc.querySelectorAll('[data-notice-change]').length, 0);
    assert.ok((await warned.browser.submit(page, 'form[action$="/notices"]', {}, { stopAt: isRpRedirect })).stoppedAt);
    const again = await keySignIn(key);
    assert.ok(!/\/notices$/.test(again.redirectTo.pathname), 'not again the same day');
  });
});

describe('notices by e-mail, to an address verified with a one-time code', () => {
  async function requestCode(browser: TestBrowser, email: string): Promise<Page> {
    const result = await browser.submit(await account(browser), 'form[data-email-form]', { email });
    assert.equal(result.page?.status, 200);
    return result.page!;
  }
  const codeOf = (text: string) => /code de vérification HospiConnect est : (\d{6})/.exec(text)?.[1];

  it('sends a code to the address entered, keeps it once the code comes back, then e-mails every change', async () => {
    const key = createSoftAuthenticator();
    const browser = await enrol('810104567894', key);
    const invalid = await requestCode(browser, 'pas-une-adresse');
    assert.match(invalid.text, /Cette adresse e-mail n'est pas valide/);

    const sent = await requestCode(browser, 'dr.martin@hopital.test');
    assert.match(sent.text, /Un code à 6 chiffres vient d'être envoyé/);
    const mail = await smtp.next();
    assert.deepEqual([mail.from, mail.to], ['hc@hopital.test', ['dr.martin@hopital.test']]);
    assert.match(mail.data, /^Subject: =\?UTF-8\?|^Subject: HospiConnect/m);
    const code = codeOf(mail.text);
    assert.ok(code, mail.text);
    const ttl = await stack.store.ttl(keys().accountPart('810104567894', 'email-code'));
    assert.ok(ttl > 0 && ttl <= 15 * 60, `the code expires (${ttl} s)`);
    const stored = (await stack.store.get(keys().accountPart('810104567894', 'email-code')))!;
    assert.ok(!stored.includes(code), 'the code is stored hashed only');

    const wrong = await browser.submit(await account(browser), 'form[data-email-code-form]', { code: code === '000000' ? '111111' : '000000' });
    assert.match(wrong.page!.text, /Ce code n'est pas le bon/);
    const right = await browser.submit(await account(browser), 'form[data-email-code-form]', { code });
    assert.match(right.page!.text, /Adresse vérifiée/);
    assert.match(right.page!.doc.querySelector('[data-email-verified]')!.text, /dr\.martin@hopital\.test/);
    const reused = await browser.request(`${stack.issuer}/account/email/verify`, {
      form: { _csrf: right.page!.doc.querySelector('form[action="/account/email/remove"] input[name="_csrf"]')!.getAttribute('value')!, code },
    });
    assert.equal(reused.headers.get('location'), '/account?notice=code-none#email', 'a used code is refused');

    await browser.submit(await account(browser), `form[action$="/rename"]`, { name: 'Clé rouge' });
    const notice = await smtp.next();
    assert.deepEqual(notice.to, ['dr.martin@hopital.test']);
    assert.match(notice.text, /Clé renommée : la clé «\s*Clé rouge\s*»\./);
    assert.match(notice.text, /Key renamed: the key “Clé rouge”\./);

    // A new address replaces it once verified; the former one is told.
    await browser.submit(await account(browser), 'form[data-email-form]', { email: 'lucie.petit@hopital.test' });
    const newCode = codeOf((await smtp.next()).text)!;
    await browser.submit(await account(browser), 'form[data-email-code-form]', { code: newCode });
    const told = await smtp.next();
    assert.deepEqual(told.to, ['dr.martin@hopital.test']);
    assert.match(told.text, /vient d'être remplacée par une autre/);
    assert.equal(await stack.store.get(keys().accountPart('810104567894', 'email')), 'lucie.petit@hopital.test');

    const verified = await events('contact.verified', '810104567894');
    assert.deepEqual(verified.map((e) => e.outcome).sort(), ['failure', 'failure', 'success', 'success']);
    const trail = JSON.stringify(await stack.gateways[0]!.auditLog.range({ order: 'newest-first', limit: 500 }));
    assert.ok(!trail.includes(`"${code}"`) && !trail.includes(`:${code}`), 'no code in the audit trail');
    assert.ok(!trail.includes('dr.martin@'), 'no address in the audit trail');
    assert.ok(
      !logs.some((line) => line.includes(code) || line.includes(newCode) || line.includes('dr.martin@') || line.includes('lucie.petit@')),
      'no code nor address in the logs',
    );
  });

  it('refuses an expired code, and a code after five wrong tries', async () => {
    const key = createSoftAuthenticator();
    const browser = await enrol('810105678905', key);
    await requestCode(browser, 'dr.leroy@hopital.test');
    const code = codeOf((await smtp.next()).text)!;
    await stack.store.del(keys().accountPart('810105678905', 'email-code')); // what Redis does when its TTL ends
    const expired = await browser.submit(await account(browser), 'form[data-email-code-form]', { code }).catch(() => undefined);
    assert.equal(expired, undefined, 'no code form once the code expired');
    const late = await browser.request(`${stack.issuer}/account/email/verify`, {
      form: { _csrf: (await account(browser)).doc.querySelector('form[data-email-form] input[name="_csrf"]')!.getAttribute('value')!, code },
    });
    assert.equal(late.headers.get('location'), '/account?notice=code-none#email');

    await requestCode(browser, 'dr.leroy@hopital.test');
    const second = codeOf((await smtp.next()).text)!;
    const wrongCode = second === '123456' ? '654321' : '123456';
    for (let i = 1; i < 5; i += 1) {
      const page = await browser.submit(await account(browser), 'form[data-email-code-form]', { code: wrongCode });
      assert.match(page.page!.text, /Ce code n'est pas le bon/);
    }
    const fifth = await browser.submit(await account(browser), 'form[data-email-code-form]', { code: wrongCode });
    assert.match(fifth.page!.text, /Trop d'essais/);
    const csrf = (await account(browser)).doc.querySelector('form[data-email-form] input[name="_csrf"]')!.getAttribute('value')!;
    const afterwards = await browser.request(`${stack.issuer}/account/email/verify`, { form: { _csrf: csrf, code: second } });
    assert.equal(afterwards.headers.get('location'), '/account?notice=code-none#email', 'the right code no longer works');
    assert.equal(await stack.store.get(keys().accountPart('810105678905', 'email')), null);
  });

  it('limits the codes sent per hour', async () => {
    const key = createSoftAuthenticator();
    const browser = await enrol('810106789016', key);
    for (let i = 0; i < 3; i += 1) {
      await requestCode(browser, `essai${i}@hopital.test`);
      await smtp.next();
    }
    const before = smtp.received.length;
    const limited = await requestCode(browser, 'essai3@hopital.test');
    assert.match(limited.text, /Trop de codes envoyés en une heure/);
    assert.equal(smtp.received.length, before, 'no fourth mail');
    const refused = await events('contact.code_sent', '810106789016');
    assert.equal(refused.filter((e) => e.outcome === 'failure' && e.reason === 'rate-limited').length, 1);
  });

  it('refuses a code of another clinician', async () => {
    const mine = createSoftAuthenticator();
    const theirs = createSoftAuthenticator();
    const me = await enrol('810107890127', mine);
    const them = await enrol('899700427885', theirs);
    await requestCode(them, 'dr.autre@hopital.test');
    const theirCode = codeOf((await smtp.next()).text)!;
    await requestCode(me, 'dr.moi@hopital.test');
    const myCode = codeOf((await smtp.next()).text)!;
    if (theirCode !== myCode) {
      const page = await me.submit(await account(me), 'form[data-email-code-form]', { code: theirCode });
      assert.match(page.page!.text, /Ce code n'est pas le bon/);
    }
    assert.equal(await stack.store.get(keys().accountPart('810107890127', 'email')), null);
  });
});
