/**
 * Chaos: one of two gateway processes (`node src/main.ts`, one Redis, a round-robin load
 * balancer in front) is SIGKILLed in the middle of a clinician's sign-in — after the gateway
 * sent the clinician to Pro Santé Connect, before PSC sends them back. The load balancer
 * skips the dead instance; the surviving one finishes the journey (PSC callback, enrolment
 * offer, back to the relying party) from the state in Redis, and the code exchanges for
 * tokens and userinfo through it.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { rpAuthorization, startTwoGateways, type TwoGateways } from '../support/two-gateways.ts';
import { TestBrowser } from '../support/browser.ts';
import { isRpRedirect } from '../support/psc-login.ts';
import { isReady } from './wait-for.ts';

const PRACTITIONER = '810101234561';
let two: TwoGateways;

beforeAll(async () => {
  two = await startTwoGateways({ name: 'chaos-instance-killed', clientId: 'chaos-rp', clientName: 'RP chaos', env: { RATE_LIMITS: 'false' } });
});

afterAll(() => two?.close());

describe('chaos: a gateway instance killed mid-journey', () => {
  it('the other instance finishes the sign-in and the code exchanges for tokens', { timeout: 30_000 }, async (t) => {
    const { proxy, gateways, ports } = two;
    let finished = false;
    t.onTestFinished(() => {
      if (!finished) for (const g of gateways) console.error(g.output());
    });
    const { config, url, checks } = await rpAuthorization(two, 'chaos-rp');
    config.timeout = 5;
    const browser = new TestBrowser();
    const login = await browser.follow(url, {}, { stopAt: isRpRedirect });
    assert.equal(login.page?.status, 200, login.page?.body.slice(0, 300));
    const toPsc = await browser.submit(login.page!, 'form[action$="/psc"]', {}, { stopAt: isRpRedirect });
    assert.ok(toPsc.page?.doc.querySelector('form.login-form'), `PSC's form: ${toPsc.page?.status} ${toPsc.page?.body.slice(0, 300)}`);

    // The instance that sent the clinician to PSC (and stored what the callback checks) dies.
    const pscStart = proxy.served.findLast((s) => /^\/interaction\/[^/]+\/psc$/.test(s.path))!;
    const victim = ports.indexOf(pscStart.backend);
    const survivor = ports[1 - victim]!;
    assert.equal(await gateways[victim]!.stop('SIGKILL'), null, 'killed by a signal, not exited');
    assert.equal(gateways[victim]!.child.signalCode, 'SIGKILL');
    assert.equal(await isReady(`http://localhost:${pscStart.backend}`), false, 'the killed instance is gone');
    const servedBeforeKill = proxy.served.length;

    let back = await browser.submit(
      toPsc.page!,
      'form.login-form',
      { action: 'login', practitioner: PRACTITIONER, means: 'card', forceAcr: '', forceAuthMode: '' },
      { stopAt: isRpRedirect },
    );
    if (back.page?.doc.querySelector('form[action$="/enrol/skip"]')) {
      back = await browser.submit(back.page, 'form[action$="/enrol/skip"]', {}, { stopAt: isRpRedirect });
    }
    assert.ok(back.stoppedAt, `the journey reaches the RP: ${back.page?.status} ${back.page?.url} ${back.page?.text.slice(0, 300)}`);
    assert.ok(back.stoppedAt.searchParams.get('code'), `a code: ${back.stoppedAt.href}`);

    const tokens = await client.authorizationCodeGrant(config, back.stoppedAt, checks);
    assert.equal(tokens.claims()!.sub, PRACTITIONER);
    assert.equal(tokens.claims()!.acr, 'eidas3');
    const info = await client.fetchUserInfo(config, tokens.access_token, PRACTITIONER);
    assert.equal(info.SubjectNameID, PRACTITIONER);

    const afterKill = proxy.served.slice(servedBeforeKill);
    assert.ok(
      afterKill.some((s) => s.path.startsWith('/federation/psc/callback')),
      `the PSC callback went through the proxy: ${JSON.stringify(afterKill)}`,
    );
    assert.ok(
      afterKill.some((s) => s.path === '/token'),
      'so did the code exchange',
    );
    assert.deepEqual(
      afterKill.filter((s) => s.backend !== survivor),
      [],
      'after the kill, only the survivor answered',
    );
    assert.ok(
      proxy.refused.some((r) => r.backend === pscStart.backend),
      `the proxy met the dead instance and skipped it: ${JSON.stringify(proxy.refused)}`,
    );
    assert.ok(await isReady(`http://localhost:${survivor}`), 'the survivor is still ready');
    finished = true;
  });
});
