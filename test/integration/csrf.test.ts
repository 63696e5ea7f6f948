/**
 * CSRF on the login journey's forms (PSC button, consent, cancel, "later" for enrolment):
 * a post without the page's token, or with the token of another interaction, is refused with
 * a French 403 page and changes nothing — the journey then goes on normally with the token.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { authorizationRequest, isRpRedirect, loginAtPsc } from '../support/psc-login.ts';
import { csrfOf, interactionPath, loginPage, pscUntilNextStep } from '../support/key-journey.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'csrf' });
});
afterAll(async () => {
  await stack.close();
});

describe('CSRF tokens on the interaction forms', () => {
  it('refuses the PSC button and "cancel" without the token, or with another interaction\'s', async () => {
    const browser = new TestBrowser();
    const { base, page } = await loginPage(stack, browser);
    const { page: otherPage } = await loginPage(stack, new TestBrowser());
    for (const path of ['psc', 'abort']) {
      for (const [what, form] of [
        ['no token', {}],
        ["another interaction's token", { _csrf: csrfOf(otherPage) }],
        ['garbage', { _csrf: 'x'.repeat(43) }],
      ] as const) {
        const refused = await browser.request(`${stack.issuer}${base}/${path}`, { form });
        assert.equal(refused.status, 403, `${path}, ${what}`);
        assert.match(refused.text, /jeton de sécurité manquant ou expiré/, `${path}, ${what}`);
        assert.equal(refused.headers.get('location'), null);
      }
    }
    // Nothing happened: the same interaction goes on to PSC and back to the relying party.
    const done = await loginAtPsc(browser, page);
    assert.ok(done.stoppedAt?.searchParams.get('code'), 'the refused posts changed nothing');
  });

  it('refuses consent and "later" (enrolment) without the token', async () => {
    const browser = new TestBrowser();
    const request = await authorizationRequest(stack, { clientId: 'third-party-rp' });
    const first = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    const consent = await loginAtPsc(browser, first.page!);
    assert.match(new URL(consent.page!.url).pathname, /^\/interaction\/[^/]+$/);
    const refusedConsent = await browser.request(`${stack.issuer}${interactionPath(consent.page!)}/consent`, { form: {} });
    assert.equal(refusedConsent.status, 403);
    const granted = await browser.submit(consent.page!, 'form[action$="/consent"]', {}, { stopAt: isRpRedirect });
    assert.ok(granted.stoppedAt?.searchParams.get('code'));

    const enrolling = new TestBrowser();
    const { page } = await pscUntilNextStep(stack, enrolling, { practitioner: '810104567894', means: 'card' });
    const refusedSkip = await enrolling.request(`${stack.issuer}${interactionPath(page!)}/enrol/skip`, { form: {} });
    assert.equal(refusedSkip.status, 403);
    const skipped = await enrolling.submit(page!, 'form[action$="/enrol/skip"]', {}, { stopAt: isRpRedirect });
    assert.ok(skipped.stoppedAt?.searchParams.get('code'));
  });
});
