/**
 * Sign-in journeys with a software authenticator over real HTTP, as the pages' script does
 * them: ask the gateway for options, let the authenticator answer, post the answer, follow
 * `redirectTo` to the relying party.
 */
import assert from 'node:assert/strict';
import type { SoftAuthenticator } from './soft-authenticator.ts';
import { TestBrowser, type Page } from './browser.ts';
import type { Stack } from './stack.ts';
import { authorizationRequest, exchange, isRpRedirect, loginAtPsc, type PscChoice } from './psc-login.ts';

export function interactionPath(page: Page): string {
  return new URL(page.url).pathname.split('/').slice(0, 3).join('/');
}

/** The CSRF token the page's forms carry (interaction forms refuse a post without it). */
export function csrfOf(page: Page): string {
  const value = page.doc.querySelector('input[name="_csrf"]')?.getAttribute('value');
  assert.ok(value, `a CSRF token on ${page.url}`);
  return value;
}

/** Posts a ceremony answer; returns the JSON page. */
export async function ceremony(
  browser: TestBrowser,
  stack: Stack,
  base: string,
  step: 'webauthn' | 'enrol' | 'second-factor' | 'confirm-key',
  key: SoftAuthenticator,
  extra: Record<string, unknown> = {},
  context: Record<string, unknown> = {},
) {
  const options = await browser.request(`${stack.issuer}${base}/${step}/options`, { json: {} });
  assert.equal(options.status, 200, `options: ${options.body}`);
  const origin = stack.issuer;
  const response =
    step === 'enrol' ? key.register(options.json as never, { origin, ...context }) : key.authenticate(options.json as never, { origin, ...context });
  return {
    options: options.json as Record<string, unknown>,
    response,
    verify: await browser.request(`${stack.issuer}${base}/${step}/verify`, { json: { response, ...extra } }),
  };
}

/** Follows a ceremony's `redirectTo` to the relying party's redirect_uri. */
export async function followToRp(browser: TestBrowser, stack: Stack, verify: Page): Promise<URL> {
  assert.equal(verify.status, 200, verify.body);
  const { redirectTo } = verify.json as { redirectTo: string };
  const done = await browser.follow(new URL(redirectTo, stack.issuer), {}, { stopAt: isRpRedirect });
  assert.ok(done.stoppedAt, `reaches the RP: ${done.page?.status} ${done.page?.url}`);
  return done.stoppedAt;
}

/** PSC sign-in that stops on the page after PSC (enrolment, second factor). */
export async function pscUntilNextStep(stack: Stack, browser: TestBrowser, choice: PscChoice, options: { clientId?: string } = {}) {
  const request = await authorizationRequest(stack, options);
  const first = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
  const after = await loginAtPsc(browser, first.page!, choice, { skipEnrolment: false });
  return { request, page: after.page, stoppedAt: after.stoppedAt };
}

/** Starts an authorization request and stops on the gateway's sign-in page. */
export async function loginPage(stack: Stack, browser: TestBrowser, options: { clientId?: string; params?: Record<string, string> } = {}) {
  const request = await authorizationRequest(stack, options);
  const first = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
  assert.equal(first.page?.status, 200);
  return { request, page: first.page!, base: interactionPath(first.page!) };
}

/** A sign-in with the key alone (no PSC), in a new browser: the verify step's answer, and the relying party's tokens when it was accepted. */
export async function signInWithKeyAlone(stack: Stack, key: SoftAuthenticator) {
  const browser = new TestBrowser();
  const { request, base } = await loginPage(stack, browser);
  const { verify } = await ceremony(browser, stack, base, 'webauthn', key);
  return { verify, tokens: verify.status === 200 ? await exchange({ ...request, callback: await followToRp(browser, stack, verify) }) : undefined };
}
