/**
 * Quick re-authentication at shared workstations over real HTTP, with the software
 * authenticator: after a full two-factor sign-in from a declared shared-workstation network
 * (sessions.sharedWorkstation.networks), a touch of the clinician's own key without user
 * verification reopens a session there, for quickReauthMinutes, at eidas1 with amr
 * ["hwk", "user"] (never mfa). Refused: an application that needs more, after the window, from
 * another network, after a full sign-in made elsewhere, and a touch without UV on the ordinary
 * key sign-in. The test's HTTP client stands for the reverse proxy (X-Forwarded-For).
 */
import { after, before, describe, it } from 'node:test';
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

before(async () => {
  stack = await startStack({
    name: 'quick-reauth',
    clock: () => Date.now() + offset,
    overrides: { 'http.trustProxy': 'loopback', 'sessions.sharedWorkstation.networks': ['10.12.0.0/16'], 'sessions.sharedWorkstation.quickReauthMinutes': WINDOW_MINUTES },
    clientOverrides: { 'jwt-userinfo-rp': { min_acr: 'eidas2' } },
  });
});
after(async () => { await stack.close(); });

function browserAt(address: string) {
  const where = { address };
  const browser = new TestBrowser({ fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-forwarded-for': where.address } }) });
  return { browser, where };
}

/** A full two-factor sign-in (PSC with the card) from `address`, enrolling `key`. */
async function fullSignInEnrolling(practitioner: string, key: SoftAuthenticator, address: string) {
  const { browser } = browserAt(address);
  const { page } = await pscUntilNextStep(stack, browser, { practitioner, means: 'card' });
  const { verify } = await ceremony(browser, stack, interactionPath(page!), 'enrol', key, { name: 'Clé du service' });
  await followToRp(browser, stack, verify);
}

/** From an application's sign-in page at `address`: the quick page, then a touch (no UV). */
async function touch(key: SoftAuthenticator, address: string, options: { clientId?: string; verifyFrom?: string } = {}) {
  const { browser, where } = browserAt(address);
  const start = await loginPage(stack, browser, { clientId: options.clientId });
  const page = await browser.request(`${stack.issuer}${start.base}/quick`);
  const opts = await browser.request(`${stack.issuer}${start.base}/quick/options`, { json: {} });
  if (opts.status !== 200) return { start, page, options: opts, verify: undefined };
  assert.equal((opts.json as { userVerification?: string }).userVerification, 'discouraged', 'asks for presence only');
  const response = key.authenticate(opts.json as never, { origin: stack.issuer, userVerified: false });
  if (options.verifyFrom) where.address = options.verifyFrom;
  const verify = await browser.request(`${stack.issuer}${start.base}/quick/verify`, { json: { response } });
  return { browser, start, page, options: opts, verify };
}

async function lastAudit(type: string) {
  return (await stack.gateways[0]!.auditLog.range({ order: 'newest-first', limit: 20 })).find((e) => e.type === type);
}

describe('quick re-authentication at a shared workstation', () => {
  const key = createSoftAuthenticator({ alg: 'ES256' });
  before(async () => { await fullSignInEnrolling('810101234561', key, WARD); });

  it('within the window, a touch on another workstation of the network signs in at eidas1, amr hwk + user (no mfa)', async () => {
    const { start, page, verify, browser } = await touch(key, OTHER_WORKSTATION);
    assert.ok(start.page.doc.querySelector('a[href$="/quick"]'), 'the sign-in page offers the touch on a shared workstation');
    assert.equal(page.status, 200);
    assert.equal(verify?.status, 200, verify?.body);
    const tokens = await exchange({ ...start.request, callback: await followToRp(browser!, stack, verify!) });
    assert.equal(tokens.claims()!.sub, '810101234561');
    assert.equal(tokens.claims()!.acr, 'eidas1');
    assert.deepEqual(tokens.claims()!.amr, ['hwk', 'user']);
    const signin = await lastAudit('signin.succeeded');
    assert.equal(signin?.details?.method, 'webauthn-presence');
  });

  it('an application that needs more does not offer it and refuses it: the full sign-in', async () => {
    const { start, page, options } = await touch(key, OTHER_WORKSTATION, { clientId: 'jwt-userinfo-rp' });
    assert.equal(start.page.doc.querySelector('a[href$="/quick"]'), null);
    assert.equal(page.status, 403);
    assert.equal(options.status, 403);
    assert.equal((options.json as { error?: string }).error, 'insufficient-level');
  });

  it('off the shared-workstation network: not offered, refused, audited', async () => {
    const { start, page, options } = await touch(key, OUTSIDE);
    assert.equal(start.page.doc.querySelector('a[href$="/quick"]'), null);
    assert.equal(page.status, 403);
    assert.equal((options.json as { error?: string }).error, 'quick-not-here');
    assert.equal((await lastAudit('signin.failed'))?.reason, 'quick-not-here');
  });

  it('a touch without UV answered from outside the network is refused, and so is one on the ordinary key sign-in', async () => {
    const moved = await touch(key, WARD, { verifyFrom: OUTSIDE });
    assert.equal(moved.verify?.status, 403);
    assert.equal((moved.verify?.json as { error?: string }).error, 'quick-not-here');
    const { browser } = browserAt(WARD);
    const start = await loginPage(stack, browser);
    const ordinary = await ceremony(browser, stack, start.base, 'webauthn', key, {}, { userVerified: false });
    assert.equal(ordinary.verify.status, 400);
    assert.equal((ordinary.verify.json as { error?: string }).error, 'user-verification-missing');
  });

  it('after the window, the touch is refused: the full sign-in is asked for', async () => {
    offset = (WINDOW_MINUTES + 1) * 60_000;
    try {
      const { verify } = await touch(key, OTHER_WORKSTATION);
      assert.equal(verify?.status, 403);
      assert.equal((verify?.json as { error?: string }).error, 'quick-window-over');
      assert.match((verify?.json as { message: string }).message, /identifiez-vous complètement/);
      const { browser } = browserAt(WARD);
      const start = await loginPage(stack, browser);
      const full = await ceremony(browser, stack, start.base, 'webauthn', key);
      assert.equal(full.verify.status, 200, 'the key with user verification still signs in');
    } finally {
      offset = 0;
    }
  });

  it('a full sign-in made on another network opens no window on the shared one', async () => {
    const elsewhere = createSoftAuthenticator({ alg: 'EdDSA' });
    await fullSignInEnrolling('810102345672', elsewhere, OUTSIDE);
    const { verify } = await touch(elsewhere, WARD);
    assert.equal(verify?.status, 403);
    assert.equal((verify?.json as { error?: string }).error, 'quick-window-over');
  });
});
