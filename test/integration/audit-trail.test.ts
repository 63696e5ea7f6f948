/**
 * The audit trail over real flows: each end-to-end flow of the earlier work produces exactly
 * the expected events, the chain verifies, and no event contains a token, code, secret,
 * assertion or PSC profile seen during the runs.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startStack, RP_POST_LOGOUT, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { exchange, signIn, authorizationRequest, isRpRedirect, loginAtPsc } from '../support/psc-login.ts';
import { ceremony, followToRp, interactionPath, loginPage, pscUntilNextStep } from '../support/key-journey.ts';
import { createSoftAuthenticator } from '../support/soft-authenticator.ts';
import { findSecrets } from '../../src/audit/index.ts';
import type { AuditEvent } from '../../src/audit/types.ts';

let stack: Stack;
let now = Date.now();
const seen: string[] = [];

beforeAll(async () => {
  stack = await startStack({ name: 'audit-trail', clock: () => now, overrides: { 'sessions.sweepSeconds': 3600 } });
  seen.push(stack.secrets.psc!, stack.secrets['test-rp']!);
});
afterAll(async () => {
  await stack.close();
});

async function all(): Promise<AuditEvent[]> {
  return stack.gateways[0]!.auditLog.range({});
}

/** Runs `flow` and returns the types of the events it added, in order. */
async function eventsOf(flow: () => Promise<unknown>): Promise<AuditEvent[]> {
  await new Promise((r) => setTimeout(r, 50)); // events of the provider are recorded just after its answer
  const before = (await stack.gateways[0]!.auditLog.head())?.seq ?? 0;
  await flow();
  await new Promise((r) => setTimeout(r, 50));
  return (await all()).filter((e) => e.seq > before);
}

const types = (events: AuditEvent[]) => events.map((e) => `${e.type}:${e.outcome}`);

describe('audit trail completeness', () => {
  it('records start-up', async () => {
    const first = (await all()).slice(0, 2);
    assert.deepEqual(
      first.map((e) => e.type),
      ['config.loaded', 'keys.loaded'],
    );
  });

  it('PSC sign-in, key offer declined, code exchange', async () => {
    const events = await eventsOf(async () => {
      const tokens = await exchange(await signIn(stack, new TestBrowser(), { choice: { means: 'card' } }));
      seen.push(tokens.access_token, tokens.refresh_token!, tokens.id_token!);
    });
    assert.deepEqual(types(events), [
      'signin.started:info',
      'psc.verified:success',
      'key.offered:info',
      'key.skipped:info',
      'signin.succeeded:success',
      'token.issued:success',
    ]);
    const signedIn = events.find((e) => e.type === 'signin.succeeded')!;
    assert.equal(signedIn.actor, '899700427885');
    assert.equal(signedIn.profession, '10');
    assert.equal(signedIn.clientId, 'test-rp');
    assert.equal(signedIn.details?.acr, 'eidas3');
    assert.equal(signedIn.details?.method, 'psc-card');
    assert.ok(signedIn.requestId, 'the request id links the event to the logs');
    assert.match(signedIn.userAgent ?? '', /./);
    const attempts = new Set(events.filter((e) => e.type !== 'token.issued').map((e) => e.details?.attempt));
    assert.equal(attempts.size, 1, 'the events of one sign-in attempt share one attempt id');
    assert.match(String([...attempts][0]), /^[0-9a-f]{16}$/);
    assert.equal(typeof signedIn.details?.durationMs, 'number', 'how long the sign-in took');
    const psc = events.find((e) => e.type === 'psc.verified')!;
    assert.equal(psc.details?.authMode, 'CARD');
    assert.equal(psc.details?.upstreamAcr, 'eidas3');
  });

  it('refresh, introspection, revocation, RP-initiated logout and back-channel logout', async () => {
    const browser = new TestBrowser();
    const request = await signIn(stack, browser);
    const tokens = await exchange(request);
    seen.push(tokens.access_token, tokens.refresh_token!, tokens.id_token!, request.callback.searchParams.get('code')!);
    const events = await eventsOf(async () => {
      const refreshed = await client.refreshTokenGrant(request.config, tokens.refresh_token!);
      seen.push(refreshed.access_token, refreshed.refresh_token!);
      // A live token's introspection is routine: not recorded. After revocation it is inactive: recorded.
      assert.equal((await client.tokenIntrospection(request.config, refreshed.access_token)).active, true);
      await client.tokenRevocation(request.config, refreshed.access_token);
      assert.equal((await client.tokenIntrospection(request.config, refreshed.access_token)).active, false);
      const end = client.buildEndSessionUrl(request.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: RP_POST_LOGOUT });
      const confirm = await browser.follow(end);
      await browser.submit(confirm.page!, 'form#op\\.logoutForm', { logout: 'yes' }, { stopAt: (u) => u.href.startsWith(RP_POST_LOGOUT) });
      await stack.backchannel.waitFor(stack.backchannel.tokens.length);
    });
    assert.deepEqual(types(events), [
      'token.refreshed:success',
      'token.revoked:success',
      'token.introspected:success',
      'logout.backchannel:success',
      'logout.front:success',
    ]);
    assert.equal(events.find((e) => e.type === 'token.introspected')?.details?.active, false);
    assert.ok(events.every((e) => !e.details || !JSON.stringify(e.details).includes(tokens.access_token)));
    assert.match(String(events[0]!.details?.accessToken ?? ''), /^[0-9a-f]{16}$/, 'token ids are hashed');
  });

  it('a refresh token or a code presented again: one token.replayed each, naming the grant hashed, never the token; the grant revoked', async () => {
    const request = await signIn(stack, new TestBrowser());
    const tokens = await exchange(request);
    const code = request.callback.searchParams.get('code')!;
    const refreshed = await client.refreshTokenGrant(request.config, tokens.refresh_token!);
    seen.push(tokens.access_token, tokens.refresh_token!, tokens.id_token!, code, refreshed.access_token, refreshed.refresh_token!);
    const replayedToken = await eventsOf(() =>
      assert.rejects(client.refreshTokenGrant(request.config, tokens.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant'),
    );
    assert.deepEqual(types(replayedToken), ['token.replayed:failure']);
    const [event] = replayedToken;
    assert.equal(event!.reason, 'refresh-token-reused');
    assert.equal(event!.actor, '899700427885');
    assert.equal(event!.clientId, 'test-rp');
    assert.equal(event!.details?.grantType, 'refresh_token');
    assert.match(String(event!.details?.grant ?? ''), /^[0-9a-f]{16}$/, 'the grant, hashed');
    assert.equal((await client.tokenIntrospection(request.config, refreshed.access_token)).active, false, 'the grant revoked');

    const second = await signIn(stack, new TestBrowser());
    await exchange(second);
    seen.push(second.callback.searchParams.get('code')!);
    const replayedCode = await eventsOf(() => assert.rejects(exchange(second), (err: { error?: string }) => err.error === 'invalid_grant'));
    assert.deepEqual(types(replayedCode), ['token.replayed:failure']);
    assert.equal(replayedCode[0]!.reason, 'code-reused');
    assert.equal(replayedCode[0]!.details?.grantType, 'authorization_code');
  });

  it('the login page shown again (a reload, Back) records its sign-in once', async () => {
    const browser = new TestBrowser();
    const events = await eventsOf(async () => {
      const { page } = await loginPage(stack, browser);
      const again = await browser.follow(new URL(page.url), {});
      assert.equal(again.page?.status, 200, 'shown again');
    });
    assert.deepEqual(types(events), ['signin.started:info']);
  });

  it('PSC refusal, then going back to the application', async () => {
    const events = await eventsOf(async () => {
      const browser = new TestBrowser();
      const request = await authorizationRequest(stack);
      const first = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
      const refused = await loginAtPsc(browser, first.page!, { refuse: true });
      await browser.submit(refused.page!, 'form[action$="/abort"]', {}, { stopAt: isRpRedirect });
    });
    assert.deepEqual(types(events), ['signin.started:info', 'psc.failed:failure', 'signin.failed:failure']);
    assert.equal(events[1]!.reason, 'refused');
    assert.equal(events[2]!.reason, 'psc-refused');
  });

  it('key enrolment, passwordless sign-in, missing user verification, cloned key', async () => {
    const key = createSoftAuthenticator({ signCount: 5 });
    const enrolled = await eventsOf(async () => {
      const browser = new TestBrowser();
      const { page } = await pscUntilNextStep(stack, browser, { practitioner: '810101234561', means: 'card' });
      const { verify } = await ceremony(browser, stack, interactionPath(page!), 'enrol', key, { name: 'Clé audit' });
      await followToRp(browser, stack, verify);
    });
    assert.deepEqual(types(enrolled), [
      'signin.started:info',
      'psc.verified:success',
      'key.offered:info',
      'key.enrolment_started:info',
      'key.enrolled:success',
      'signin.succeeded:success',
    ]);

    const passwordless = await eventsOf(async () => {
      const browser = new TestBrowser();
      const { base } = await loginPage(stack, browser);
      const { verify, response } = await ceremony(browser, stack, base, 'webauthn', key);
      const assertion = response.response as { signature: string; authenticatorData: string; clientDataJSON: string };
      seen.push(assertion.signature, assertion.authenticatorData, assertion.clientDataJSON);
      await followToRp(browser, stack, verify);
    });
    assert.deepEqual(types(passwordless), ['signin.started:info', 'signin.succeeded:success']);
    assert.equal(passwordless[1]!.details?.method, 'webauthn-device');
    assert.equal(passwordless[1]!.details?.keyName, 'Clé audit');

    const noUv = await eventsOf(async () => {
      const browser = new TestBrowser();
      const { base } = await loginPage(stack, browser);
      await ceremony(browser, stack, base, 'webauthn', key, {}, { userVerified: false });
    });
    assert.deepEqual(types(noUv), ['signin.started:info', 'key.uv_missing:failure', 'signin.failed:failure']);
    assert.equal(noUv[1]!.actor, '810101234561');

    const clone = await eventsOf(async () => {
      const browser = new TestBrowser();
      const { base } = await loginPage(stack, browser);
      await ceremony(browser, stack, base, 'webauthn', key, {}, { counterOverride: 1 });
    });
    assert.deepEqual(types(clone), ['signin.started:info', 'key.counter_anomaly:failure', 'signin.failed:failure']);
    assert.equal(clone[1]!.actor, '810101234561');
  });

  it('a step-up from e-CPS to the CPS card', async () => {
    const browser = new TestBrowser();
    await exchange(await signIn(stack, browser, { choice: { practitioner: '810103456783', means: 'ecps' } }));
    const events = await eventsOf(async () => {
      await exchange(await signIn(stack, browser, { params: { acr_values: 'eidas3' }, choice: { practitioner: '810103456783', means: 'card' } }));
    });
    assert.deepEqual(types(events), [
      'signin.started:info',
      'stepup.asked:info',
      'psc.verified:success',
      'key.offered:info',
      'key.skipped:info',
      'signin.succeeded:success',
      'stepup.met:success',
      'token.issued:success',
    ]);
    assert.equal(events[1]!.details?.level, 'eidas3');
    assert.equal(events[6]!.details?.acr, 'eidas3');
  });

  it('an expired session', async () => {
    const browser = new TestBrowser();
    await exchange(await signIn(stack, browser, { choice: { practitioner: '810102345672' } }));
    now += 31 * 60_000;
    const events = await eventsOf(() => stack.gateways[0]!.sweepSessions());
    assert.ok(types(events).includes('session.expired:info'));
    const expired = events.find((e) => e.type === 'session.expired' && e.actor === '810102345672');
    assert.equal(expired?.reason, 'idle');
  });
});

describe('audit trail integrity and privacy', () => {
  it('the whole chain verifies', async () => {
    const result = await stack.gateways[0]!.verifyAudit();
    assert.equal(result.ok, true, JSON.stringify(result));
  });

  it('no event contains a token, code, secret or assertion seen during the runs, nor a PSC profile', async () => {
    const events = await all();
    assert.ok(events.length > 30);
    for (const event of events) {
      const json = JSON.stringify(event);
      for (const secret of seen.filter(Boolean)) assert.ok(!json.includes(secret), `event ${event.seq} (${event.type}) contains a secret`);
      assert.deepEqual(findSecrets(event), [], `event ${event.seq} (${event.type}) looks like it carries a secret`);
      assert.ok(!json.includes('SubjectRefPro') && !json.includes('exercices'), `event ${event.seq} carries a PSC profile`);
    }
  });
});
