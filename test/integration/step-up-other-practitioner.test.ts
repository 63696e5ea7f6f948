/**
 * A step-up refused for an e-CPS (the application needs eidas3), retried at PSC with another
 * practitioner's card: the PSC simulator ends the first practitioner's PSC session (its
 * self-posting logout confirmation) and the gateway signs the second practitioner in at eidas3.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { authorizationRequest, exchange, isRpRedirect, loginAtPsc } from '../support/psc-login.ts';

const ECPS_PRACTITIONER = '810104567894';
const CARD_PRACTITIONER = '810103456783';
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'step-up-other', clientOverrides: { 'test-rp': { min_acr: 'eidas3' } } });
});
afterAll(async () => {
  await stack.close();
});

describe('step-up retried by another practitioner', () => {
  it("e-CPS refused, then another practitioner's card: signed in as the second practitioner at eidas3", async () => {
    const browser = new TestBrowser();
    const request = await authorizationRequest(stack);
    const first = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    const unmet = await loginAtPsc(browser, first.page!, { practitioner: ECPS_PRACTITIONER, means: 'ecps' });
    assert.equal(unmet.page?.status, 403, `the e-CPS does not reach eidas3: ${unmet.page?.text}`);
    const retry = await browser.submit(unmet.page!, 'form[action$="/psc"]', {}, { stopAt: isRpRedirect });
    const pscPage = retry.page!;
    assert.ok(pscPage.doc.querySelector('form.login-form'), `PSC asks again (prompt=login): ${pscPage.text.slice(0, 300)}`);
    let back = await browser.submit(
      pscPage,
      'form.login-form',
      { action: 'login', practitioner: CARD_PRACTITIONER, means: 'card', forceAcr: '', forceAuthMode: '' },
      { stopAt: isRpRedirect },
    );
    // PSC's logout confirmation of the first practitioner's session posts itself in a browser.
    if (back.page && /end_session|logout/.test(back.page.doc.querySelector('form')?.getAttribute('action') ?? '')) {
      back = await browser.submit(back.page, 'form', {}, { stopAt: isRpRedirect });
    }
    if (back.page?.doc.querySelector('form[action$="/enrol/skip"]'))
      back = await browser.submit(back.page, 'form[action$="/enrol/skip"]', {}, { stopAt: isRpRedirect });
    assert.ok(back.stoppedAt, `back at the application, got HTTP ${back.page?.status} at ${back.page?.url}: ${back.page?.text.slice(0, 400)}`);
    const tokens = await exchange({ ...request, callback: back.stoppedAt });
    assert.equal(tokens.claims()!.sub, CARD_PRACTITIONER);
    assert.equal(tokens.claims()!.acr, 'eidas3');
  });
});
