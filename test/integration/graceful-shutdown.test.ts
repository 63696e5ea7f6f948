/**
 * SIGTERM on a gateway process (`node src/main.ts`) while a sign-in is in flight: the
 * instance stops accepting connections at once, lets the request that is waiting for PSC
 * finish (PSC's answer verified and kept for the next step, which another instance serves —
 * see test/chaos), closes Redis and exits 143 (128 + SIGTERM: stopped as asked, which
 * Docker's `on-failure` policy starts again when the host restarts) well within the 10 s drain period.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadKeys } from '../../src/signing-keys/load.ts';
import { startPscSimulator, type PscSimulator } from '../../src/sandbox/psc/index.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { freePort } from '../support/ports.ts';
import { mainEnv, spawnMain, waitUntilReady, type GatewayProcess } from '../support/processes.ts';
import { TestBrowser } from '../support/browser.ts';
import { RP_REDIRECT } from '../support/stack.ts';
import { isRpRedirect } from '../support/psc-login.ts';

const prefix = uniquePrefix('graceful');
const dir = mkdtempSync(join(tmpdir(), 'hc-graceful-'));
const pscSecret = randomBytes(32).toString('base64url');
let psc: PscSimulator;
let gateway: GatewayProcess;
let issuer: string;

beforeAll(async () => {
  const port = await freePort();
  issuer = `http://localhost:${port}`;
  await loadKeys({ dir, createIfMissing: true });
  writeFileSync(
    join(dir, 'clients.json'),
    JSON.stringify([{ client_id: 'rp', client_name: 'RP', first_party: true, redirect_uris: [RP_REDIRECT], client_secret_env: 'RP_SECRET' }]),
  );
  psc = await startPscSimulator({
    port: 0,
    clients: [{ client_id: 'hospiconnect-gateway', client_secret: pscSecret, redirect_uris: [`${issuer}/federation/psc/callback`] }],
  });
  gateway = spawnMain(
    mainEnv({ issuer, port, prefix, dir, pscIssuer: psc.issuer, pscSecret }, { RP_SECRET: randomBytes(24).toString('base64url'), LOG_LEVEL: 'info' }),
  );
  await waitUntilReady(issuer);
});

afterAll(async () => {
  await gateway?.stop('SIGKILL');
  await psc?.close();
  await deletePrefix(prefix);
  rmSync(dir, { recursive: true, force: true });
});

describe('graceful shutdown', () => {
  it('finishes the request in flight, refuses new connections, closes Redis, exits 143', { timeout: 30_000 }, async () => {
    const browser = new TestBrowser();
    const auth = new URL(`${issuer}/auth`);
    auth.search = new URLSearchParams({
      client_id: 'rp',
      response_type: 'code',
      redirect_uri: RP_REDIRECT,
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSwtw-cM',
      code_challenge_method: 'S256',
      state: 'graceful-state',
    }).toString();
    const login = await browser.follow(auth, {}, { stopAt: isRpRedirect });
    const toPsc = await browser.submit(login.page!, 'form[action$="/psc"]');
    const back = await browser.submit(
      toPsc.page!,
      'form.login-form',
      { action: 'login', practitioner: '899700427885', means: 'card' },
      { stopAt: (url) => url.pathname === '/federation/psc/callback' },
    );
    assert.ok(back.stoppedAt);

    psc.faults = { delayMs: 1500 }; // the callback's code exchange now waits 1.5 s for PSC
    // The callback is answered by this instance; its next step would go to another instance.
    const inFlight = browser.follow(back.stoppedAt, {}, { stopAt: (url) => url.pathname.endsWith('/psc/done') });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopping = Date.now();
    gateway.child.kill('SIGTERM');
    await gateway.waitForOutput(/HospiConnect stopping \(SIGTERM\)/, 5000);
    await new Promise((resolve) => setTimeout(resolve, 200));

    await assert.rejects(fetch(`${issuer}/healthz`, { signal: AbortSignal.timeout(2000) }), 'no new connection is accepted');

    const done = await inFlight;
    assert.ok(done.stoppedAt, `the request in flight was answered (PSC verified, result stored): ${done.page?.status} ${done.page?.text.slice(0, 200)}`);
    assert.ok(Date.now() - stopping >= 900, 'it was still running when the stop began');

    while (gateway.child.exitCode === null && Date.now() - stopping < 12_000) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(gateway.child.exitCode, 143, gateway.output().slice(-2000));
    assert.ok(Date.now() - stopping < 10_000, 'within the drain period');
    assert.match(gateway.output(), /store connection closed/, `Redis is closed:\n${gateway.output().slice(-1500)}`);
    assert.match(gateway.output(), /HospiConnect stopped\./);
  });
});
