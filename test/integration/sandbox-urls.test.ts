/**
 * The sandbox away from its default ports, as `npm start` runs it (one process): the demo
 * applications are registered where they are (config/clients.json follows SANDBOX_*_URL), the
 * address a peer listens on (SANDBOX_HOST=0.0.0.0, HOST) is not the URL people use; a URL where
 * the peer does not answer, or a clients file whose demo registrations name other addresses,
 * stops start-up (exit code 2, one line each).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/ports.ts';
import { spawnMain, type GatewayProcess } from '../support/processes.ts';
import { TestBrowser } from '../support/browser.ts';

/** The repository's clients file as it was written before its demo addresses followed the settings. */
const OLD_CLIENTS = readFileSync('config/clients.json', 'utf8')
  .replaceAll('${SANDBOX_DPI_URL}', 'http://localhost:3002')
  .replaceAll('${SANDBOX_DMP_URL}', 'http://localhost:3003');

async function ports() {
  return { gw: await freePort(), psc: await freePort(), dpi: await freePort(), dmp: await freePort(), national: await freePort() };
}

/** DPI → PSC (card) → skip the key → back on the DPI; then the DMP-like service by single sign-on. */
async function signInThroughTheDemos(urls: { dpi: string; dmp: string }) {
  const browser = new TestBrowser();
  const login = await browser.follow(`${urls.dpi}/login`);
  assert.equal(login.page?.status, 200, `the gateway's sign-in page, not an error:\n${login.page?.text}`);
  assert.doesNotMatch(login.page!.text, /invalid_redirect_uri|redirect_uri/);
  const psc = await browser.submit(login.page!, 'form[action$="/psc"]');
  assert.match(psc.page!.text, /Connexion à Pro Santé Connect/);
  const offer = await browser.submit(psc.page!, 'form.login-form', { action: 'login', practitioner: '899700427885', means: 'card' });
  const home = await browser.submit(offer.page!, 'form[action$="/enrol/skip"]');
  assert.equal(home.page?.status, 200);
  assert.equal(new URL(home.page!.url).origin, urls.dpi, 'back on the demo DPI, at its public URL');
  assert.match(home.page!.text, /Bonjour Kit DOC0042788/);

  const dmp = await browser.follow(`${urls.dmp}/login`);
  assert.equal(dmp.page?.status, 200, `the DMP-like service signs in (its key fetched from its jwks_uri):\n${dmp.page?.text}`);
  assert.equal(new URL(dmp.page!.url).origin, urls.dmp);
  assert.match(dmp.page!.text, /Bonjour Kit DOC0042788/);
  assert.match(dmp.page!.doc.querySelector('[data-testid=token-type]')?.text ?? '', /DPoP/);
  return browser;
}

describe('the sandbox on other ports than 3000–3003', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hc-ports-'));
  let main: GatewayProcess;
  let urls: { gateway: string; psc: string; dpi: string; dmp: string };

  beforeAll(async () => {
    const p = await ports();
    urls = { gateway: `http://localhost:${p.gw}`, psc: `http://localhost:${p.psc}`, dpi: `http://localhost:${p.dpi}`, dmp: `http://localhost:${p.dmp}` };
    // As documented: ports set, the repository's config/clients.json (no CLIENTS_FILE).
    main = spawnMain({
      PORT: String(p.gw),
      ISSUER: urls.gateway,
      SANDBOX_PSC_PORT: String(p.psc),
      SANDBOX_DPI_PORT: String(p.dpi),
      SANDBOX_DMP_PORT: String(p.dmp),
      SANDBOX_NATIONAL_PORT: String(p.national),
      KEYS_DIR: dir,
      LOG_LEVEL: 'warn',
    });
    await main.waitForOutput(/Press Ctrl-C to stop/);
  });
  afterAll(async () => {
    await main?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the addresses people open', () => {
    const out = main.output();
    assert.match(out, new RegExp(`PSC simulator +${urls.psc}/auth/realms/esante-wallet`));
    assert.match(out, new RegExp(`demo DPI +${urls.dpi}/`));
    assert.match(out, new RegExp(`demo DMP-like +${urls.dmp}/`));
    assert.match(out, /demo national +http:\/\/localhost:\d+\//);
  });

  it('signs a clinician in through the demo DPI and the DMP-like service on those ports', async () => {
    await signInThroughTheDemos(urls);
  });
});

describe('the sandbox listening on every interface (SANDBOX_HOST=0.0.0.0, as in docker/compose.yml)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hc-wildcard-'));
  let main: GatewayProcess;
  let urls: { gateway: string; dpi: string; dmp: string };

  beforeAll(async () => {
    const p = await ports();
    urls = { gateway: `http://localhost:${p.gw}`, dpi: `http://localhost:${p.dpi}`, dmp: `http://localhost:${p.dmp}` };
    // No ISSUER: the gateway's URL follows PORT, on localhost, whatever HOST it listens on.
    main = spawnMain({
      HOST: '0.0.0.0',
      PORT: String(p.gw),
      SANDBOX_HOST: '0.0.0.0',
      SANDBOX_PSC_PORT: String(p.psc),
      SANDBOX_DPI_PORT: String(p.dpi),
      SANDBOX_DMP_PORT: String(p.dmp),
      SANDBOX_NATIONAL_PORT: String(p.national),
      SANDBOX_PSC_URL: `http://localhost:${p.psc}`,
      SANDBOX_DPI_URL: urls.dpi,
      SANDBOX_DMP_URL: urls.dmp,
      KEYS_DIR: dir,
      LOG_LEVEL: 'warn',
    });
    await main.waitForOutput(/Press Ctrl-C to stop/);
  });
  afterAll(async () => {
    await main?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('never shows a listen address as a URL', () => {
    assert.doesNotMatch(main.output(), /0\.0\.0\.0/);
    assert.match(main.output(), new RegExp(`gateway \\(issuer\\) +${urls.gateway}/`));
  });

  it('sends the redirect_uri people can reach, and signs in', async () => {
    const start = await new TestBrowser().request(`${urls.dpi}/login`);
    assert.equal(start.status, 303);
    const authorization = new URL(start.headers.get('location')!);
    assert.equal(authorization.origin, urls.gateway);
    assert.equal(authorization.searchParams.get('redirect_uri'), `${urls.dpi}/callback`);
    await signInThroughTheDemos(urls);
  });
});

/** Runs `npm start` that is expected to stop by itself; its exit code and output. */
async function startUpFailure(env: Record<string, string>) {
  const run = spawnMain({ LOG_LEVEL: 'warn', ...env });
  const timer = setTimeout(() => void run.stop('SIGKILL'), 15_000);
  const code = await new Promise<number | null>((resolve) => run.child.once('exit', resolve));
  clearTimeout(timer);
  return { code, out: run.output() };
}

describe('URLs that lead nowhere', () => {
  it('stops start-up with exit code 2 when a peer does not answer at its URL, naming the setting and where it listens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hc-nowhere-'));
    try {
      const p = await ports();
      const [elsewhere, nowhere] = [await freePort(), await freePort()];
      // A port mapping 4003:3003 taken for the URL inside the container: the browser would reach
      // the service, the gateway (fetching its keys) would not; likewise an ISSUER on another port.
      const { code, out } = await startUpFailure({
        PORT: String(p.gw),
        ISSUER: `http://localhost:${elsewhere}`,
        SANDBOX_PSC_PORT: String(p.psc),
        SANDBOX_DPI_PORT: String(p.dpi),
        SANDBOX_DMP_PORT: String(p.dmp),
        SANDBOX_NATIONAL_PORT: String(p.national),
        SANDBOX_DMP_URL: `http://localhost:${nowhere}`,
        KEYS_DIR: dir,
      });
      assert.equal(code, 2, out);
      const problems = out
        .split('\n')
        .filter((line) => line.startsWith('config:'))
        .sort();
      assert.equal(problems.length, 2, out);
      assert.match(
        problems[0]!,
        new RegExp(
          `^config: issuer \\(ISSUER\\) = "http://localhost:${elsewhere}" — expected the URL it is reached at, from people and from the other peers \\(the demo applications discover the gateway there\\): nothing answered there from this machine \\(ECONNREFUSED\\); it listens on localhost:${p.gw} \\(HOST, PORT\\)`,
        ),
      );
      assert.match(
        problems[1]!,
        new RegExp(
          `^config: sandbox\\.dmpUrl \\(SANDBOX_DMP_URL\\) = "http://localhost:${nowhere}" — expected .*\\(the gateway fetches its keys there\\): nothing answered .*; it listens on localhost:${p.dmp} \\(SANDBOX_HOST, SANDBOX_DMP_PORT\\) — behind a port mapping, publish it on the same port number, or set SANDBOX_DMP_URL to where it is reached$`,
        ),
      );
      assert.doesNotMatch(out, /Press Ctrl-C/);
      assert.doesNotMatch(out, /\bat .+:\d+:\d+\)?$/m, 'no stack trace');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a clients file whose demo applications are registered elsewhere', () => {
  it('stops start-up with exit code 2 and one line naming the setting and the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hc-stale-'));
    try {
      writeFileSync(join(dir, 'clients.json'), OLD_CLIENTS);
      const p = await ports();
      // The DMP-like service stays on 3003 as registered; the DPI moves.
      const { code, out } = await startUpFailure({
        PORT: String(p.gw),
        SANDBOX_PSC_PORT: String(p.psc),
        SANDBOX_DPI_PORT: String(p.dpi),
        SANDBOX_NATIONAL_PORT: String(p.national),
        KEYS_DIR: dir,
        CLIENTS_FILE: join(dir, 'clients.json'),
      });
      assert.equal(code, 2, out);
      const problems = out.split('\n').filter((line) => line.startsWith('config:'));
      assert.equal(problems.length, 1, out);
      assert.match(
        problems[0]!,
        /^config: clients\.file \(CLIENTS_FILE\) = ".*clients\.json" — expected demo-dpi registered as the demo DPI runs, at http:\/\/localhost:\d+ \(SANDBOX_DPI_URL\): its redirect_uris are "http:\/\/localhost:3002\/callback"/,
      );
      assert.ok(problems[0]!.includes(`"http://localhost:3002/callback"`), problems[0]);
      assert.ok(problems[0]!.includes('${SANDBOX_DPI_URL}/callback'), `the fix is named: ${problems[0]}`);
      assert.doesNotMatch(out, /IN-MEMORY|Press Ctrl-C/, 'nothing started: the gateway did not even open its store');
      assert.doesNotMatch(out, /\bat .+:\d+:\d+\)?$/m, 'no stack trace');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
