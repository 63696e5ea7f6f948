/**
 * Two gateway processes on one Redis behind a load balancer without stickiness: a sign-in
 * started on one instance finishes on the other, because every piece of ceremony state is
 * in Redis. Real OS processes (`node src/main.ts`), real PSC simulator, openid-client RP.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { rpAuthorization, startTwoGateways, type TwoGateways } from '../support/two-gateways.ts';
import { TestBrowser } from '../support/browser.ts';
import { isRpRedirect, loginAtPsc } from '../support/psc-login.ts';

let two: TwoGateways;

beforeAll(async () => {
  two = await startTwoGateways({ name: 'two-instances', clientId: 'two-rp', clientName: 'RP multi-instance' });
});

afterAll(() => two?.close());

describe('two gateway instances on one Redis', () => {
  it('a sign-in started on one instance finishes on the other', { timeout: 60_000 }, async (t) => {
    const { proxy, gateways } = two;
    t.onTestFinished(() => {
      if (process.env.DEBUG_TWO) for (const g of gateways) console.error(g.output());
    });
    const { config, url, checks } = await rpAuthorization(two, 'two-rp');
    const browser = new TestBrowser();
    const login = await browser.follow(url, {}, { stopAt: isRpRedirect });
    assert.equal(login.page?.status, 200, login.page?.body.slice(0, 300));
    const uid = new URL(login.page!.url).pathname.split('/')[2]!;
    const done = await loginAtPsc(browser, login.page!, { practitioner: '810101234561', means: 'ecps' });
    assert.ok(done.stoppedAt, `the journey reaches the RP: ${done.page?.status} ${done.page?.text.slice(0, 200)}`);

    const tokens = await client.authorizationCodeGrant(config, done.stoppedAt, checks);
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

  it(
    "a session given a new id by one instance (a new sign-in in the same browser) is found by both: its id and its assurance, written into one record by two writers, each keep the other's",
    { timeout: 60_000 },
    async () => {
      const browser = new TestBrowser();
      const signIn = async (prompt?: string) => {
        const { config, url, checks } = await rpAuthorization(two, 'two-rp');
        if (prompt) url.searchParams.set('prompt', prompt);
        const login = await browser.follow(url, {}, { stopAt: isRpRedirect });
        const done = await loginAtPsc(browser, login.page!, { practitioner: '810101234561', means: 'ecps' });
        assert.ok(done.stoppedAt, `the journey reaches the RP: ${done.page?.status} ${done.page?.text.slice(0, 200)}`);
        return { config, tokens: await client.authorizationCodeGrant(config, done.stoppedAt, checks) };
      };
      const first = await signIn();
      // Both instances look the session up (round robin): each remembers its id as it was.
      for (let i = 0; i < 4; i += 1)
        assert.equal((await client.fetchUserInfo(first.config, first.tokens.access_token, '810101234561')).SubjectNameID, '810101234561');
      // A new sign-in in the same browser: oidc-provider gives the session a new id (same uid), then the gateway saves its assurance.
      const second = await signIn('login');
      assert.equal(second.tokens.claims()!.sid, first.tokens.claims()!.sid, 'the same session');
      let refreshed = second.tokens;
      for (let i = 0; i < 4; i += 1) {
        refreshed = await client.refreshTokenGrant(second.config, refreshed.refresh_token!);
        assert.equal((await client.fetchUserInfo(second.config, refreshed.access_token, '810101234561')).SubjectNameID, '810101234561');
      }
      const served = two.proxy.served.filter((s) => s.path === '/token' || s.path === '/me');
      assert.equal(new Set(served.slice(-16).map((s) => s.backend)).size, 2, 'both instances answered the refreshes and userinfo');
    },
  );
});
