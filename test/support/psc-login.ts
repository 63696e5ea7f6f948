/**
 * Drives a complete sign-in as a clinician would: the relying party's authorization request
 * (built with openid-client), the gateway's page, "Se connecter avec Pro Santé Connect", the
 * PSC simulator's form, and back — stopping at the relying party's redirect_uri.
 */
import * as client from 'openid-client';
import type { Page } from './browser.ts';
import { TestBrowser } from './browser.ts';
import { RP_REDIRECT, type Stack } from './stack.ts';

export interface AuthorizationRequest {
  config: client.Configuration;
  url: URL;
  checks: { pkceCodeVerifier: string; expectedState: string; expectedNonce: string };
}

/** A sign-in request's parameters (PKCE S256, state, nonce) and what checking its answer needs. */
export async function signInParameters(redirectUri: string, params: Record<string, string> = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const parameters: Record<string, string> = {
    redirect_uri: redirectUri,
    scope: 'openid profile scope_all',
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...params,
  };
  return { parameters, checks: { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce } };
}

export async function authorizationRequest(
  stack: Stack,
  options: { clientId?: string; params?: Record<string, string>; metadata?: Partial<client.ClientMetadata> } = {},
): Promise<AuthorizationRequest> {
  const config = await stack.rp(options.clientId, options.metadata);
  const { parameters, checks } = await signInParameters(RP_REDIRECT, options.params);
  return { config, url: client.buildAuthorizationUrl(config, parameters), checks };
}

export const isRpRedirect = (url: URL) => url.href.startsWith(RP_REDIRECT);

export interface PscChoice {
  practitioner?: string;
  means?: 'card' | 'ecps';
  forceAcr?: string;
  forceAuthMode?: '' | 'unknown' | 'absent';
  refuse?: boolean;
}

/**
 * From the gateway's login page: PSC button, simulator form, back. Returns where it stopped.
 * When the gateway then offers to enrol a key, "Plus tard" is chosen unless told otherwise.
 */
export async function loginAtPsc(
  browser: TestBrowser,
  loginPage: Page,
  choice: PscChoice = {},
  options: { skipEnrolment?: boolean; stopAt?: (url: URL) => boolean } = {},
) {
  const stopAt = options.stopAt ?? isRpRedirect;
  const toPsc = await browser.submit(loginPage, 'form[action$="/psc"]', {}, { stopAt });
  const pscPage = toPsc.page;
  if (!pscPage || pscPage.status !== 200 || !pscPage.doc.querySelector('form.login-form')) {
    return { ...toPsc, pscPage };
  }
  const fields: Record<string, string> = choice.refuse
    ? { action: 'refuse' }
    : {
        action: 'login',
        practitioner: choice.practitioner ?? '899700427885',
        means: choice.means ?? 'card',
        forceAcr: choice.forceAcr ?? '',
        forceAuthMode: choice.forceAuthMode ?? '',
      };
  const back = await browser.submit(pscPage, 'form.login-form', fields, { stopAt });
  if ((options.skipEnrolment ?? true) && back.page?.doc.querySelector('form[action$="/enrol/skip"]')) {
    return browser.submit(back.page, 'form[action$="/enrol/skip"]', {}, { stopAt });
  }
  return back;
}

/** Full journey from the authorization request to the code at the relying party. */
export async function signIn(
  stack: Stack,
  browser: TestBrowser,
  options: { clientId?: string; params?: Record<string, string>; metadata?: Partial<client.ClientMetadata>; choice?: PscChoice } = {},
) {
  const request = await authorizationRequest(stack, options);
  const first = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
  let callback = first.stoppedAt;
  let loginPage: Page | undefined = first.page;
  if (!callback) {
    if (!loginPage) throw new Error('no login page');
    const result = await loginAtPsc(browser, loginPage, options.choice);
    callback = result.stoppedAt;
    if (!callback) throw new Error(`sign-in did not reach the relying party: ${result.page?.status} ${result.page?.url} ${result.page?.body.slice(0, 400)}`);
  } else {
    loginPage = undefined;
  }
  return { ...request, callback, sawLoginPage: Boolean(loginPage) };
}

/** Exchanges the code like the relying party does. */
export async function exchange(request: AuthorizationRequest & { callback: URL }) {
  return client.authorizationCodeGrant(request.config, request.callback, { ...request.checks, idTokenExpected: true });
}
