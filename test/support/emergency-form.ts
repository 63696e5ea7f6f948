/**
 * Emergency access as a clinician uses it in tests: a code issued straight into the stack's
 * store (as the admin CLI does), and the sign-in page's emergency form filled and sent.
 */
import type { Stack } from './stack.ts';
import { TestBrowser } from './browser.ts';
import { isRpRedirect } from './psc-login.ts';
import { csrfOf, loginPage } from './key-journey.ts';
import { createKeyNames } from '../../src/store/index.ts';
import { createEmergencyCodes } from '../../src/emergency/index.ts';

/** Issues a code for `idNat`, valid `hours` from `hoursAgo` hours ago. */
export function issueEmergencyCode(stack: Stack, idNat: string, options: { hoursAgo?: number; hours?: number } = {}) {
  return createEmergencyCodes(stack.store, createKeyNames(stack.prefix)).issue({
    idNat,
    issuedBy: 'test',
    via: 'cli',
    validityMs: (options.hours ?? 1) * 3_600_000,
    now: Date.now() - (options.hoursAgo ?? 0) * 3_600_000,
  });
}

/** From an application's sign-in page: the emergency form, filled and sent. */
export async function signInWithCode(stack: Stack, idNat: string, code: string, clientId = 'test-rp') {
  const browser = new TestBrowser();
  const start = await loginPage(stack, browser, { clientId });
  const form = await browser.request(`${stack.issuer}${start.base}/emergency`);
  const sent = form.doc.querySelector('form[data-emergency-form]')
    ? await browser.submit(form, 'form[data-emergency-form]', { idNat, code }, { stopAt: isRpRedirect })
    : { page: await browser.request(`${stack.issuer}${start.base}/emergency`, { form: { _csrf: csrfOf(start.page), idNat, code } }) };
  return { browser, start, form, sent };
}
