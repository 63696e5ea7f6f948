/**
 * Declared establishment networks over real HTTP (limits.networks): a ward behind one address
 * (Citrix/RDS, NAT) at shift change — 200 clinicians' first sign-ins, through PSC with a key
 * enrolled, the longest ordinary journey — gets no 429, while a key-guessing run from that same
 * address is still stopped by the per-account limit; an undeclared address keeps the
 * per-address budget; behind a declared forwarding proxy each workstation it names has a
 * per-address budget of its own. Budgets are the defaults, except where a test says otherwise.
 * The test's HTTP client stands for the reverse proxy (TRUST_PROXY=loopback): it names the
 * client's address in X-Forwarded-For.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { TEST_REDIS_URL } from '../support/redis.ts';
import { createSoftAuthenticator, type SoftAuthenticator } from '../support/soft-authenticator.ts';
import { ceremony, followToRp, interactionPath, loginPage, pscUntilNextStep } from '../support/key-journey.ts';
import { writePractitioners } from '../../bench/practitioners.ts';
import { configSchema } from '../../src/config/schema.ts';

const DEFAULTS = configSchema.parse({}).limits;
const WARD = '203.0.113.5'; // one address of the declared network chu-nord-citrix (203.0.113.0/28)
const FORWARDING_PROXY = '198.51.100.7'; // the declared network ehpad-proxy, whose proxy names each workstation
const CLINICIANS = 200;

/** A browser whose every request reaches the gateway through the reverse proxy with this X-Forwarded-For. */
function browserFrom(forwardedFor: string): TestBrowser {
  return new TestBrowser({
    fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-forwarded-for': forwardedFor } }),
  });
}

/** Runs `task(i)` for i in [0, count) with at most `width` at a time. */
async function pool(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

describe('declared establishment networks', () => {
  let stack: Stack;
  let redis: Redis;
  let fixtureDir: string;
  let idNats: string[];
  const keys: SoftAuthenticator[] = [];

  beforeAll(async () => {
    fixtureDir = mkdtempSync(join(tmpdir(), 'hc-ward-'));
    idNats = writePractitioners(join(fixtureDir, 'practitioners.json'), CLINICIANS);
    stack = await startStack({
      name: 'ward-budgets',
      pscPractitionersFile: join(fixtureDir, 'practitioners.json'),
      overrides: {
        'http.trustProxy': 'loopback',
        // The normal budgets, not the test stack's generous ones.
        'limits.signinPerIp.points': DEFAULTS.signinPerIp.points,
        'limits.keyFailuresPerAccount.points': DEFAULTS.keyFailuresPerAccount.points,
        'limits.networks': [
          { name: 'chu-nord-citrix', cidrs: ['203.0.113.0/28'] },
          { name: 'ehpad-proxy', cidrs: [`${FORWARDING_PROXY}/32`], forwardedFor: true },
          { name: 'small-site', cidrs: ['2001:db8:5::/48'], points: 3, seconds: 60 },
        ],
      },
    });
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    redis.disconnect();
    await stack.close();
    rmSync(fixtureDir, { recursive: true, force: true });
  });

  /** Sign-in steps counted so far against one budget (the limiter's counter in Redis). */
  async function counted(limit: string, key: string): Promise<number> {
    return Number((await redis.get(`${stack.prefix}rl:${limit}:${key}`)) ?? 0);
  }

  /** A passwordless sign-in with the clinician's key; returns the verify answer. */
  async function keySignIn(browser: TestBrowser, key: SoftAuthenticator) {
    const { base } = await loginPage(stack, browser);
    return (await ceremony(browser, stack, base, 'webauthn', key)).verify;
  }

  it(`lets ${CLINICIANS} clinicians behind one address sign in at shift change, each a first sign-in through PSC with a key enrolled`, async () => {
    const started = Date.now();
    await pool(CLINICIANS, 8, async (i) => {
      const browser = browserFrom(WARD);
      const key = createSoftAuthenticator();
      keys[i] = key;
      const { page } = await pscUntilNextStep(stack, browser, { practitioner: idNats[i]!, means: 'card' });
      assert.equal(page?.status, 200, `clinician ${i + 1}: the offer to enrol a key, not ${page?.status} ${page?.text.slice(0, 120)}`);
      const { verify } = await ceremony(browser, stack, interactionPath(page!), 'enrol', key, { name: 'Clé' });
      assert.equal(verify.status, 200, `clinician ${i + 1}: enrolment, not ${verify.status} ${verify.body.slice(0, 200)}`);
      await followToRp(browser, stack, verify);
    });
    // Five steps each: the authorization request, PSC start, PSC return, enrolment options and verify.
    assert.equal(await counted('signin-network', 'chu-nord-citrix'), CLINICIANS * 5);
    assert.equal(await counted('signin-ip', WARD), 0, 'nothing counted against the address itself');
    assert.ok(
      Date.now() - started < stack.config.limits.networks[0]!.seconds * 1000,
      "within one window of the network's budget (five minutes: a shift change)",
    );
  });

  it('still stops a key-guessing run against one account from that address, by the per-account limit', async () => {
    const victim = keys[0]!;
    const budget = DEFAULTS.keyFailuresPerAccount.points;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const browser = browserFrom(WARD);
      const { base } = await loginPage(stack, browser);
      const options = await browser.request(`${stack.issuer}${base}/webauthn/options`, { json: {} });
      const forged = victim.authenticate(options.json as never, { origin: stack.issuer });
      const signature = Buffer.from(forged.response.signature, 'base64url');
      signature[signature.length - 1] = (signature.at(-1) ?? 0) ^ 0xff;
      forged.response.signature = signature.toString('base64url');
      const verify = await browser.request(`${stack.issuer}${base}/webauthn/verify`, { json: { response: forged } });
      if (verify.status === 429) {
        assert.equal((verify.json as { error: string }).error, 'rate_limited');
        assert.match((verify.json as { message: string }).message, /Pro Santé Connect/);
        break;
      }
      assert.equal(verify.status, 400, `guess ${attempts} is refused as a bad assertion`);
      assert.ok(attempts <= budget + 1, "stopped once the account's budget of failures is spent");
    }
    assert.equal(attempts, budget + 2, 'the failures past the budget are refused, the next attempt is not even checked');
    const genuine = await keySignIn(browserFrom(WARD), victim);
    assert.equal(genuine.status, 429, "the account's key path stays closed for the window, even to its own key");

    const colleague = browserFrom(WARD);
    const verify = await keySignIn(colleague, keys[1]!);
    assert.equal(verify.status, 200, 'a colleague on the same address signs in with a key meanwhile');
    await followToRp(colleague, stack, verify);
  });

  it('keeps the per-address budget for an undeclared address; a key sign-in is three steps of it', async () => {
    const address = '192.0.2.44';
    const browser = browserFrom(address);
    const verify = await keySignIn(browser, keys[2]!);
    await followToRp(browser, stack, verify);
    assert.equal(await counted('signin-ip', address), 3, 'authorization request, key options, key verify');
    const budget = DEFAULTS.signinPerIp.points;
    for (let step = 4; step <= budget; step += 1) {
      const answer = await browserFrom(address).request(`${stack.issuer}/auth?client_id=test-rp`);
      assert.notEqual(answer.status, 429, `step ${step} is within the budget`);
    }
    const refused = await browserFrom(address).request(`${stack.issuer}/auth?client_id=test-rp`);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) <= DEFAULTS.signinPerIp.seconds);
  });

  it('gives each workstation named by a declared forwarding proxy the per-address budget of its own', async () => {
    const budget = DEFAULTS.signinPerIp.points;
    const behindProxy = (workstation: string) => browserFrom(`${workstation}, ${FORWARDING_PROXY}`);
    for (let step = 1; step <= budget; step += 1) {
      const answer = await behindProxy('10.1.2.3').request(`${stack.issuer}/auth?client_id=test-rp`);
      assert.notEqual(answer.status, 429, `step ${step} is within the workstation's budget`);
    }
    assert.equal((await behindProxy('10.1.2.3').request(`${stack.issuer}/auth?client_id=test-rp`)).status, 429);
    const forged = browserFrom(`10.1.2.4, 10.1.2.3, ${FORWARDING_PROXY}`);
    assert.equal(
      (await forged.request(`${stack.issuer}/auth?client_id=test-rp`)).status,
      429,
      "the workstation cannot name another one: the proxy's entry counts",
    );
    const neighbour = await behindProxy('10.1.2.4').request(`${stack.issuer}/auth?client_id=test-rp`);
    assert.notEqual(neighbour.status, 429, 'the next workstation behind the proxy is not affected');
    const unnamed = await browserFrom(FORWARDING_PROXY).request(`${stack.issuer}/auth?client_id=test-rp`);
    assert.notEqual(unnamed.status, 429, "a request the proxy names no workstation for is counted against the network's budget");
    assert.equal(await counted('signin-network', 'ehpad-proxy'), 1);
  });

  it("refuses past a declared network's own budget, audited once with the network's name", async () => {
    const site = '2001:db8:5::17';
    for (let step = 1; step <= 3; step += 1) assert.notEqual((await browserFrom(site).request(`${stack.issuer}/auth?client_id=test-rp`)).status, 429);
    const refused = await browserFrom(site).request(`${stack.issuer}/auth?client_id=test-rp`);
    assert.equal(refused.status, 429);
    assert.match(refused.text, /Trop de tentatives de connexion/);
    assert.equal((await browserFrom('2001:db8:5::18').request(`${stack.issuer}/auth?client_id=test-rp`)).status, 429, 'one budget for the whole network');
    const events = (await stack.gateways[0]!.auditLog.range({})).filter((e) => e.type === 'ratelimit.hit' && e.details?.limit === 'signin-network');
    assert.equal(events.length, 1);
    assert.equal(events[0]!.details?.network, 'small-site');
  });
});
