/**
 * Two gateway processes on one Redis behind a load balancer without stickiness: a sign-in
 * started on one instance finishes on the other, because every piece of ceremony state is
 * in Redis. Real OS processes (`node src/main.ts`), real PSC simulator, openid-client RP.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { loadKeys } from '../../src/keys/load.ts';
import { startPscSimulator, type PscSimulator } from '../../src/sandbox/psc/index.ts';
import { TEST_REDIS_URL, deletePrefix, uniquePrefix } from '../support/redis.ts';
import { freePort } from '../support/ports.ts';
import { spawnMain, waitUntilReady, type GatewayProcess } from '../support/processes.ts';
import { startRoundRobinProxy } from '../support/round-robin-proxy.ts';
import { TestBrowser } from '../support/browser.ts';
import { RP_REDIRECT } from '../support/stack.ts';
import { isRpRedirect, loginAtPsc } from '../support/psc-login.ts';

const prefix = uniquePrefix('two-instances');
const dir = mkdtempSync(join(tmpdir(), 'hc-two-'));
const rpSecret = randomBytes(32).toString('base64url');
const pscSecret = randomBytes(32).toString('base64url');
let psc: PscSimulator;
let proxy: Awaited<ReturnType<typeof startRoundRobinProxy>>;
let gateways: GatewayProcess[] = [];
let issuer: string;
let ports: number[];

before(async () => {
  proxy = await startRoundRobinProxy();
  issuer = `http://localhost:${proxy.port}`;
  ports = [await freePort(), await freePort()];
  await loadKeys({ dir, createIfMissing: true });
  writeFileSync(join(dir, 'clients.json'), JSON.stringify([{
    client_id: 'two-rp', client_name: 'RP multi-instance', first_party: true,
    redirect_uris: [RP_REDIRECT], client_secret_env: 'TWO_RP_SECRET',
  }]));
  psc = await startPscSimulator({ port: 0, clients: [{ client_id: 'hospiconnect-gateway', client_secret: pscSecret, redirect_uris: [`${issuer}/federation/psc/callback`] }] });
  gateways = ports.map((port) => spawnMain({
    NODE_ENV: 'test', SANDBOX: 'false', ISSUER: issuer, PORT: String(port), HOST: 'localhost',
    REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, KEYS_DIR: dir, CLIENTS_FILE: join(dir, 'clients.json'),
    PSC_ISSUER: psc.issuer, PSC_CLIENT_SECRET: pscSecret, TWO_RP_SECRET: rpSecret, LOG_LEVEL: 'warn',
  }));
  await Promise.all(ports.map((p) => waitUntilReady(`http://localhost:${p}`))).catch((err: Error) => {
    throw new Error(`${err.message}\n${gateways.map((g) => g.output()).join('\n---\n')}`);
  });
  proxy.setBackends(ports);
});

after(async () => {
  await proxy?.close();
  for (const g of gateways) await g.stop();
  await psc?.close();
  await deletePrefix(prefix);
  rmSync(dir, { recursive: true, force: true });
});

describe('two gateway instances on one Redis', () => {
  it('a sign-in started on one instance finishes on the other', { timeout: 60_000 }, async (t) => {
    t.after(() => { if (process.env.DEBUG_TWO) for (const g of gateways) console.error(g.output()); });
    const config = await client.discovery(new URL(issuer), 'two-rp', {}, client.ClientSecretBasic(rpSecret), { execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: RP_REDIRECT, scope: 'openid profile scope_all', nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const browser = new TestBrowser();
    const login = await browser.follow(url, {}, { stopAt: isRpRedirect });
    assert.equal(login.page?.status, 200, login.page?.body.slice(0, 300));
    const uid = new URL(login.page!.url).pathname.split('/')[2]!;
    const done = await loginAtPsc(browser, login.page!, { practitioner: '810101234561', means: 'ecps' });
    assert.ok(done.stoppedAt, `the journey reaches the RP: ${done.page?.status} ${done.page?.text.slice(0, 200)}`);

    const tokens = await client.authorizationCodeGrant(config, done.stoppedAt, { pkceCodeVerifier: verifier, expectedNonce: nonce, idTokenExpected: true });
    assert.equal(tokens.claims()!.sub, '810101234561');
    assert.equal(tokens.claims()!.acr, 'eidas2');
    const info = await client.fetchUserInfo(config, tokens.access_token, '810101234561');
    assert.equal(info.SubjectNameID, '810101234561');

    const journey = proxy.served.filter((s) => s.path.includes(uid) || s.path.startsWith('/federation/psc/callback'));
    const backends = new Set(journey.map((s) => s.backend));
    assert.equal(backends.size, 2, `both instances served this interaction: ${JSON.stringify(journey)}`);
    const startedOn = proxy.served.find((s) => s.path.startsWith('/auth?'))!.backend;
    const shownOn = journey.find((s) => s.path === `/interaction/${uid}`)!.backend;
    assert.notEqual(startedOn, shownOn, 'the interaction created by one instance is shown by the other');
  });
});
