/**
 * Quick re-authentication at shared workstations over real HTTP, with the software
 * authenticator: after a full two-factor sign-in on a workstation of a declared
 * shared-workstation network (sessions.sharedWorkstation.networks), a touch of the clinician's
 * own key without user verification reopens a session on that workstation (its browser), for
 * quickReauthMinutes, at eidas1 with amr ["hwk", "user"] (never mfa). Refused: an application
 * that needs more, after the window, off the network, on another workstation, after a full
 * sign-in made elsewhere, another clinician's key, and a touch without UV on the ordinary key
 * sign-in. The test's HTTP client stands for the reverse proxy (X-Forwarded-For).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { createSoftAuthenticator, type SoftAuthenticator } from '../support/soft-authenticator.ts';
import { exchange } from '../support/psc-login.ts';
import { ceremony, followToRp, interactionPath, loginPage, pscUntilNextStep } from '../support/key-journey.ts';

const WARD = '10.12.4.20';
const OTHER_WORKSTATION = '10.12.4.21';
const OUTSIDE = '198.51.100.30';
const WINDOW_MINUTES = 120;
let offset = 0;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    name: 'quick-reauth',
    clock: () => Date.now() + offset,
    overrides: {
      'http.trustProxy': 'loopback',
      'sessions.sharedWorkstation.networks': ['10.12.0.0/16'],
      'sessions.sharedWorkstation.quickReauthMinutes': WINDOW_MINUTES,
    },
    clientOverrides: { 'jwt-userinfo-rp': { min_acr: 'eidas2' } },
  });
});
afterAll(async () => {
  await stack.close();
});

function browserAt(address: string) {
  const where = { address };
  const browser = new TestBrowser({
    fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-forwarded-for': where.address } }),
  });
  return { browser, where };
}

type Workstation = ReturnType<typeof browserAt>;

/** A full two-factor sign-in (PSC with the card) on `workstation`, enrolling `key`. */
async function fullSignInEnrolling(practitioner: string, key: SoftAuthenticator, workstation: Workstation) {
  const { page } = await pscUntilNextStep(stack, workstation.browser, { practitioner, means: 'card' });
  const { verify } = await ceremony(workstation.browser, stack, interactionPath(page!), 'enrol', key, { name: 'Clé du service' });
  await followToRp(workstation.browser, stack, verify);
}

/** The session on this workstation ended (idle): every cookie goes but the workstation's own. */
async function sessionEnded({ browser }: Workstation) {
  const kept = (await browser.jar.getCookies(`${stack.issuer}/interaction/x`)).filter((c) => c.key === 'hc_workstation');
  await browser.jar.removeAllCookies();
  for (const cookie of kept) await browser.jar.setCookie(cookie, `${stack.issuer}/interaction/x`);
}

/** From an application's sign-in page on `workstation`, its session ended: the quick page, then a touch (no UV). */
async function touch(key: SoftAuthenticator, workstation: Workstation, options: { clientId?: string; verifyFrom?: string; ignoreAllowList?: boolean } = {}) {
  const { browser, where } = workstation;
  const address = where.address;
  await sessionEnded(workstation);
  const start = await loginPage(stack, browser, { clientId: options.clientId });
  const page = await browser.request(`${stack.issuer}${start.base}/quick`);
  const opts = await browser.request(`${stack.issuer}${start.base}/quick/options`, { json: {} });
  if (opts.status !== 200) return { start, page, options: opts, verify: undefined };
  assert.equal((opts.json as { userVerification?: string }).userVerification, 'discouraged', 'asks for presence only');
  const asked = options.ignoreAllowList ? { ...(opts.json as object), allowCredentials: [] } : opts.json;
  const response = key.authenticate(asked as never, { origin: stack.issuer, userVerified: false });
  if (options.verifyFrom) where.address = options.verifyFrom;
  const verify = await browser.request(`${stack.issuer}${start.base}/quick/verify`, { json: { response } });
  where.address = address;
  return { browser, start, page, options: opts, verify };
}

async function lastAudit(type: string) {
  return (await stack.gateways[0]!.auditLog.range({ order: 'newest-first', limit: 20 })).find((e) => e.type === type);
}

describe('quick re-authentication at a shared workstation', () => {
  const key = createSoftAuthenticator({ alg: 'ES256' });
  const ward = browserAt(WARD);
  beforeAll(async () => {
    await fullSignInEnrolling('810101234561', key, ward);
  });

  it('within the window, a touch on the same workstation signs in at eidas1, amr hwk + user (no mfa)', async () => {
    const { start, page, options, verify, browser } = await touch(key, ward);
    assert.ok(start.page.doc.querySelector('a[href$="/quick"]'), 'the sign-in page offers the touch');
    assert.equal(page.status, 200);
    assert.equal((options.json as { allowCredentials?: unknown[] }).allowCredentials?.length, 1, 'the keys of the clinicians who signed in fully here');
    assert.equal(verify?.status, 200, verify?.body);
    const tokens = await exchange({ ...start.request, callback: await followToRp(browser!, stack, verify!) });
    assert.equal(tokens.claims()!.sub, '810101234561');
    assert.equal(tokens.claims()!.acr, 'eidas1');
    assert.deepEqual(tokens.claims()!.amr, ['hwk', 'user']);
    const signin = await lastAudit('signin.succeeded');
    assert.equal(signin?.details?.method, 'webauthn-presence');
  });

  it('an application that needs more does not offer it and refuses it: the full sign-in', async () => {
    const { start, page, options } = await touch(key, ward, { clientId: 'jwt-userinfo-rp' });
    assert.equal(start.page.doc.querySelector('a[href$="/quick"]'), null);
    assert.equal(page.status, 403);
    assert.equal(options.status, 403);
    assert.equal((options.json as { error?: string }).error, 'insufficient-level');
  });

  it('another workstation of the network has no pass: not offered, refused', async () => {
    const { start, page, options } = await touch(key, browserAt(OTHER_WORKSTATION));
    assert.equal(start.page.doc.querySelector('a[href$="/quick"]'), null);
    assert.equal(page.status, 403);
    assert.equal((options.json as { error?: string }).error, 'quick-window-over');
  });

  it('off the shared-workstation network (the same browser carried away): refused, audited', async () => {
    ward.where.address = OUTSIDE;
    const { start, page, options } = await touch(key, ward).finally(() => {
      ward.where.address = WARD;
    });
    assert.equal(start.page.doc.querySelector('a[href$="/quick"]'), null);
    assert.equal(page.status, 403);
    assert.equal((options.json as { error?: string }).error, 'quick-not-here');
    assert.equal((await lastAudit('signin.failed'))?.reason, 'quick-not-here');
  });

  it('a touch without UV answered from outside the network is refused, and so is one on the ordinary key sign-in', async () => {
    const moved = await touch(key, ward, { verifyFrom: OUTSIDE });
    assert.equal(moved.verify?.status, 403);
    assert.equal((moved.verify?.json as { error?: string }).error, 'quick-not-here');
    await sessionEnded(ward);
    const start = await loginPage(stack, ward.browser);
    const ordinary = await ceremony(ward.browser, stack, start.base, 'webauthn', key, {}, { userVerified: false });
    assert.equal(ordinary.verify.status, 400);
    assert.equal((ordinary.verify.json as { error?: string }).error, 'user-verification-missing');
  });

  it("another clinician's key, on a workstation where only the first signed in, is refused", async () => {
    const intruder = createSoftAuthenticator({ alg: 'EdDSA' });
    await fullSignInEnrolling('810104567894', intruder, browserAt(OUTSIDE));
    const { options, verify } = await touch(intruder, ward, { ignoreAllowList: true });
    assert.equal(options.status, 200);
    assert.equal(verify?.status, 400, 'a (forged) answer with a credential that was not asked for');
    assert.equal((verify?.json as { error?: string }).error, 'wrong-account');
  });

  it('after the window, the touch is refused: the full sign-in is asked for', async () => {
    offset = (WINDOW_MINUTES + 1) * 60_000;
    try {
      const { options } = await touch(key, ward);
      assert.equal(options.status, 403);
      assert.equal((options.json as { error?: string }).error, 'quick-window-over');
      assert.match((options.json as { message: string }).message, /identifiez-vous complètement/);
      await sessionEnded(ward);
      const start = await loginPage(stack, ward.browser);
      const full = await ceremony(ward.browser, stack, start.base, 'webauthn', key);
      assert.equal(full.verify.status, 200, 'the key with user verification still signs in');
    } finally {
      offset = 0;
    }
  });

  it('a full sign-in made on another network opens no window on a shared workstation', async () => {
    const elsewhere = createSoftAuthenticator({ alg: 'EdDSA' });
    const laptop = browserAt(OUTSIDE);
    await fullSignInEnrolling('810102345672', elsewhere, laptop);
    laptop.where.address = WARD;
    const { options } = await touch(elsewhere, laptop);
    assert.equal(options.status, 403);
    assert.equal((options.json as { error?: string }).error, 'quick-window-over');
  });
});
