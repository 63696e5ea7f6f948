/**
 * `npm start` as a person runs it: the whole sandbox (gateway, PSC simulator, demo DPI and
 * DMP-like applications) in one process on the in-memory store, a clinician signing in to
 * the DPI and then to the DMP-like service without a new ceremony, Ctrl-C stopping
 * everything; and a bad configuration stopping start-up with exit code 2.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/ports.ts';
import { spawnMain, type GatewayProcess } from '../support/processes.ts';
import { TestBrowser } from '../support/browser.ts';

describe('npm start (sandbox)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hc-start-'));
  let main: GatewayProcess;
  let urls: { gateway: string; dpi: string; dmp: string };

  beforeAll(async () => {
    const [gw, psc, dpi, dmp, national] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    urls = { gateway: `http://localhost:${gw}`, dpi: `http://localhost:${dpi}`, dmp: `http://localhost:${dmp}` };
    // config/clients.json as it is: the demo applications' addresses follow the ports (sandbox-urls.test.ts).
    main = spawnMain({
      PORT: String(gw),
      ISSUER: urls.gateway,
      SANDBOX_PSC_PORT: String(psc),
      SANDBOX_DPI_PORT: String(dpi),
      SANDBOX_DMP_PORT: String(dmp),
      SANDBOX_NATIONAL_PORT: String(national),
      KEYS_DIR: dir,
      LOG_LEVEL: 'warn',
    });
    await main.waitForOutput(/Press Ctrl-C to stop/);
  });
  afterAll(async () => {
    await main?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('warns loudly that the store is in memory', async () => {
    // A log line, written at the latest 200 ms after it was logged (src/logging/logger.ts); the banner may come first.
    await main.waitForOutput(/IN-MEMORY store/, 5000);
    assert.match(main.output(), /IN-MEMORY store/);
  });

  it('signs a clinician in to the demo DPI, then to the DMP-like service by single sign-on', async () => {
    const browser = new TestBrowser();
    const login = await browser.follow(`${urls.dpi}/login`);
    assert.equal(login.page?.status, 200);
    assert.match(login.page!.text, /Se connecter avec Pro Santé Connect/);
    const psc = await browser.submit(login.page!, 'form[action$="/psc"]');
    assert.match(psc.page!.text, /Connexion à Pro Santé Connect/);
    const offer = await browser.submit(psc.page!, 'form.login-form', { action: 'login', practitioner: '899700427885', means: 'card' });
    assert.match(offer.page!.text, /connectez-vous en quelques secondes la prochaine fois/, 'a key is offered after PSC');
    const home = await browser.submit(offer.page!, 'form[action$="/enrol/skip"]');
    assert.equal(home.page?.status, 200);
    assert.match(home.page!.text, /Bonjour Kit DOC0042788/);
    assert.equal(home.page!.doc.querySelector('[data-testid=acr]')?.text, 'eidas3');
    assert.match(home.page!.doc.querySelector('[data-testid=profession]')?.text ?? '', /Médecin/);

    const dmp = await browser.follow(`${urls.dmp}/login`);
    assert.equal(dmp.page?.status, 200, 'no sign-in page: the gateway session is reused');
    assert.match(dmp.page!.text, /Bonjour Kit DOC0042788/);
    assert.match(dmp.page!.url, new RegExp(`^${urls.dmp}/`));
    assert.match(
      dmp.page!.doc.querySelector('[data-testid=token-type]')?.text ?? '',
      /DPoP/,
      'the DMP-like service as registered in config/clients.json: PAR and DPoP',
    );
    assert.match(home.page!.doc.querySelector('[data-testid=token-type]')?.text ?? '', /Bearer/, 'the DPI: neither');

    const out = await browser.submit(home.page!, 'form[action="/logout"]');
    assert.match(out.page!.text, /Voulez-vous vous déconnecter/);
    const bye = await browser.submit(out.page!, 'form#op\\.logoutForm', { logout: 'yes' });
    assert.match(bye.page!.text, /Identifiez-vous avec HospiConnect/, 'back on the DPI, signed out');
    const dmpAfter = await browser.request(`${urls.dmp}/`);
    assert.match(dmpAfter.text, /Identifiez-vous avec HospiConnect/, 'the DMP-like app was told by back-channel logout');
  });

  it('stops cleanly on Ctrl-C', async () => {
    const code = await main.stop('SIGINT');
    assert.equal(code, 0);
    assert.match(main.output(), /HospiConnect stopped\./);
  });
});

describe('start-up with a bad configuration', () => {
  it('exits with code 2 and one line per problem, naming key, value and expectation', async () => {
    const run = spawnMain({ NODE_ENV: 'production', PORT: 'abc', PSC_DISCOVERY: 'sometimes' });
    const code = await new Promise<number | null>((resolve) => run.child.once('exit', resolve));
    assert.equal(code, 2);
    const out = run.output();
    assert.match(out, /^config: http\.port \(PORT\) = "abc" — expected a value of type number$/m);
    assert.match(out, /^config: psc\.discovery \(PSC_DISCOVERY\) = "sometimes" — expected one of "wallet", "standard", "manual"$/m);
    assert.doesNotMatch(out, /\bat .+:\d+:\d+\)?$/m, 'no stack trace');
  });

  it('refuses production without Redis, with an http issuer, the sandbox or a missing PSC secret', async () => {
    const run = spawnMain({ NODE_ENV: 'production', SANDBOX: 'true' });
    const code = await new Promise<number | null>((resolve) => run.child.once('exit', resolve));
    assert.equal(code, 2);
    const out = run.output();
    for (const key of [
      'redis.url (REDIS_URL)',
      'sandbox.enabled (SANDBOX)',
      'issuer (ISSUER)',
      'psc.issuer (PSC_ISSUER)',
      'psc.clientSecret (PSC_CLIENT_SECRET)',
    ]) {
      assert.ok(out.includes(`config: ${key}`), `${key} is named:\n${out}`);
    }
  });
});
