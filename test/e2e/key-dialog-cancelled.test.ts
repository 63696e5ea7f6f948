/**
 * A key dialog cancelled in Chromium (the DevTools WebAuthn environment with no authenticator:
 * the dialog times out, as when the clinician closes it, with the same NotAllowedError):
 * on the enrolment page, the clinician is already signed in through Pro Santé Connect, so the
 * message offers to try again or to choose « Plus tard », never to "sign in with Pro Santé
 * Connect"; the sign-in page, where PSC is offered, still suggests it. Screenshots at desktop
 * and phone width.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startStack, type Stack } from '../support/stack.ts';
import { authorizationRequest } from '../support/psc-login.ts';
import { launchChromium, screenshot, watchConsole } from '../support/chromium.ts';

let stack: Stack;
let browser: Browser;
beforeAll(async () => {
  stack = await startStack({ name: 'e2e-key-cancelled', overrides: { 'webauthn.timeoutSeconds': 10 } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('a cancelled key dialog', () => {
  for (const [label, viewport, practitioner] of [
    ['desktop', { width: 1000, height: 800 }, 'TESTMARTIN'],
    ['390', { width: 390, height: 844 }, 'TESTDURAND'],
  ] as const) {
    it(`enrolment after PSC (${label}): try again or « Plus tard », no "sign in with Pro Santé Connect"`, async () => {
      const context = await browser.newContext({ locale: 'fr-FR', viewport });
      await context.route(/^http:\/\/127\.0\.0\.1:9\//, (route) =>
        route.fulfill({ status: 200, contentType: 'text/html', body: '<title>RP</title><p>retour application</p>' }),
      );
      const page = await context.newPage();
      const problems = watchConsole(page);
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      await page.goto((await authorizationRequest(stack)).url.href);
      const loginMessage = await page.locator('[data-webauthn]').getAttribute('data-msg-not-allowed');
      assert.match(loginMessage ?? '', /Pro Santé Connect/, 'the sign-in page, where PSC is offered, suggests it');
      await page.getByRole('button', { name: 'Se connecter avec Pro Santé Connect' }).click();
      await page.getByLabel(new RegExp(practitioner)).check();
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.waitForURL(/\/enrol$/);
      await page.getByRole('button', { name: 'Enregistrer ma clé ou mon passkey' }).click();
      const status = page.locator('[data-webauthn-status]');
      await status.filter({ hasText: /annulé/ }).waitFor({ timeout: 15000 });
      const text = (await status.textContent()) ?? '';
      assert.doesNotMatch(text, /Pro Santé Connect/, text);
      assert.match(text, /Plus tard/, text);
      await screenshot(page, `key-cancelled-enrol-${label}`);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
});
