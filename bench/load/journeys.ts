/**
 * The journeys of scenarios (e) and (f), step by step as a browser and a hospital
 * application make them, over real HTTP:
 *
 * - the application's authorization request (PKCE S256, state, nonce) and, at the end, its
 *   code exchange at /token (client_secret_basic) and a userinfo call;
 * - passwordless (e): the gateway's sign-in page, the ceremony's options, an assertion from
 *   a software authenticator (ES256, made with node:crypto), its verification, back to the
 *   application;
 * - first sign-in (f): the sign-in page, "Pro Santé Connect", PSC's form (posted directly:
 *   the time a clinician spends on PSC's page is not the gateway's), the gateway's callback
 *   (code exchange and userinfo at PSC), the offer to enrol a key: a new key is enrolled
 *   (registration ceremony), back to the application.
 *
 * Each journey starts without cookies (a new session) and checks what it receives; any
 * deviation throws, and counts as an error.
 */
import { createHash, randomBytes } from 'node:crypto';
import { randomNonce, randomState } from 'openid-client';
import type { SoftAuthenticator } from '../../test/support/soft-authenticator.ts';
import { BENCH_REDIRECT_URI, BENCH_SCOPE } from '../clients.ts';
import { BenchHttpError, htmlMatch, VirtualBrowser, type Reply } from './http-client.ts';

export interface Tokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
}

export interface RelyingParty {
  issuer: string;
  clientId: string;
  secret: string;
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');
const isRedirectUri = (url: URL) => url.href.startsWith(BENCH_REDIRECT_URI);

/**
 * The application's authorization request; `extra` adds parameters (login_hint for the baseline).
 * Its state and nonce are openid-client's, as docs/integration.md tells applications to make
 * them: the code and tokens keep the nonce, so its length is part of what a session weighs in
 * Redis (a 22-character nonce, the rounds before the thirteenth, made the refresh token's record
 * an allocation class lighter than a 43-character one).
 */
export function authorizationRequest(rp: RelyingParty, extra: Record<string, string> = {}) {
  const verifier = base64url(randomBytes(32));
  const state = randomState();
  const url = new URL(`${rp.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: rp.clientId,
    redirect_uri: BENCH_REDIRECT_URI,
    response_type: 'code',
    scope: BENCH_SCOPE,
    state,
    nonce: randomNonce(),
    code_challenge: base64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  return { url, verifier, state };
}

export function basicAuth(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** The code from the redirect to the application, checked against the request's state. */
function codeOf(callback: URL | undefined, state: string, step: string, reply?: Reply): string {
  if (!callback)
    throw reply ? new BenchHttpError(`${step}: expected the redirect to the application`, reply) : new Error(`${step}: no redirect to the application`);
  const code = callback.searchParams.get('code');
  if (!code || callback.searchParams.get('state') !== state) throw new Error(`${step}: the application got ${callback.search.replace(/code=[^&]+/, 'code=…')}`);
  return code;
}

/** The application's code exchange and userinfo call. */
async function tokensAndUserinfo(browser: VirtualBrowser, rp: RelyingParty, code: string, verifier: string): Promise<Tokens> {
  const token = await browser.request(`${rp.issuer}/token`, {
    form: { grant_type: 'authorization_code', code, redirect_uri: BENCH_REDIRECT_URI, code_verifier: verifier },
    headers: { authorization: basicAuth(rp.clientId, rp.secret), accept: 'application/json' },
  });
  if (token.status !== 200) throw new BenchHttpError('token', token);
  const tokens = JSON.parse(token.body) as Tokens;
  if (!tokens.access_token || !tokens.id_token) throw new Error('token: no access_token or id_token');
  const me = await browser.request(`${rp.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}`, accept: 'application/json' } });
  if (me.status !== 200 || !(JSON.parse(me.body) as { sub?: string }).sub) throw new BenchHttpError('userinfo', me);
  return tokens;
}

/** Posts a ceremony step's options request, lets the authenticator answer, posts the answer; returns where to go next. */
async function ceremony(browser: VirtualBrowser, interaction: URL, step: 'webauthn' | 'enrol', key: SoftAuthenticator, origin: string): Promise<URL> {
  const options = await browser.request(`${interaction.href}/${step}/options`, { json: {} });
  if (options.status !== 200) throw new BenchHttpError(`${step} options`, options);
  const parsed = JSON.parse(options.body) as never;
  const response = step === 'enrol' ? key.register(parsed, { origin }) : key.authenticate(parsed, { origin });
  const verify = await browser.request(`${interaction.href}/${step}/verify`, { json: { response } });
  if (verify.status !== 200) throw new BenchHttpError(`${step} verify`, verify);
  return new URL((JSON.parse(verify.body) as { redirectTo: string }).redirectTo, interaction);
}

/** The gateway's sign-in page for a new authorization request. */
async function signInPage(browser: VirtualBrowser, rp: RelyingParty) {
  const request = authorizationRequest(rp);
  const first = await browser.follow(request.url, {}, isRedirectUri);
  const page = first.reply;
  if (!page || page.status !== 200 || !page.url.pathname.startsWith('/interaction/')) {
    throw page ? new BenchHttpError('sign-in page', page) : new Error('sign-in page: the application was answered without one');
  }
  return { request, page, interaction: new URL(page.url.pathname.split('/').slice(0, 3).join('/'), page.url) };
}

/**
 * The page of changes to the clinician's keys, shown once after a change (the key the first
 * sign-in enrolled): acknowledged as a clinician does, then on to the application.
 */
async function pastNotices(browser: VirtualBrowser, interaction: URL, done: Awaited<ReturnType<VirtualBrowser['follow']>>) {
  const page = done.reply;
  if (!page || page.status !== 200 || !page.url.pathname.endsWith('/notices')) return done;
  const csrf = htmlMatch(page.body, /name="_csrf" value="([^"]+)"/, 'the CSRF token of the notices form');
  const upTo = htmlMatch(page.body, /name="upTo" value="([^"]+)"/, 'the last notice shown');
  return browser.follow(`${interaction.href}/notices`, { form: { _csrf: csrf, upTo } }, isRedirectUri);
}

/** (e) A clinician with a key: sign-in page, key assertion, code, tokens, userinfo. */
export async function passwordlessSignIn(browser: VirtualBrowser, rp: RelyingParty, key: SoftAuthenticator): Promise<Tokens> {
  browser.clearCookies();
  const { request, interaction } = await signInPage(browser, rp);
  const next = await ceremony(browser, interaction, 'webauthn', key, new URL(rp.issuer).origin);
  const done = await pastNotices(browser, interaction, await browser.follow(next, {}, isRedirectUri));
  const code = codeOf(done.stoppedAt, request.state, 'after the key', done.reply);
  return tokensAndUserinfo(browser, rp, code, request.verifier);
}

/** (f) A clinician's first sign-in: through PSC, then a key enrolled; code, tokens, userinfo. */
export async function firstSignIn(browser: VirtualBrowser, rp: RelyingParty, idNat: string, key: SoftAuthenticator): Promise<Tokens> {
  browser.clearCookies();
  const { request, page, interaction } = await signInPage(browser, rp);
  const csrf = htmlMatch(page.body, /name="_csrf" value="([^"]+)"/, 'the CSRF token of the PSC form');
  const toPsc = await browser.request(`${interaction.href}/psc`, { form: { _csrf: csrf } });
  if (toPsc.status !== 303 && toPsc.status !== 302) throw new BenchHttpError('PSC button', toPsc);
  // PSC's /auth answers with a redirect to its login page; its form posts to that same URL.
  const atPsc = await browser.request(new URL(toPsc.headers.location!, toPsc.url));
  if (atPsc.status !== 303 && atPsc.status !== 302) throw new BenchHttpError('PSC authorization', atPsc);
  const pscLogin = new URL(atPsc.headers.location!, atPsc.url);
  const back = await browser.follow(
    pscLogin,
    { form: { action: 'login', practitioner: idNat, means: 'card', forceAcr: '', forceAuthMode: '' } },
    isRedirectUri,
  );
  const offer = back.reply;
  if (!offer || offer.status !== 200 || !offer.url.pathname.endsWith('/enrol')) {
    throw offer
      ? new BenchHttpError('after PSC: expected the offer to enrol a key', offer)
      : new Error('after PSC: went to the application without the offer to enrol a key');
  }
  const next = await ceremony(browser, interaction, 'enrol', key, new URL(rp.issuer).origin);
  const done = await browser.follow(next, {}, isRedirectUri);
  const code = codeOf(done.stoppedAt, request.state, 'after enrolment', done.reply);
  return tokensAndUserinfo(browser, rp, code, request.verifier);
}

/** The baseline's sign-in (no page: it signs in `login_hint` at once); tokens and userinfo. */
export async function baselineSignIn(browser: VirtualBrowser, rp: RelyingParty, accountId: string): Promise<Tokens> {
  browser.clearCookies();
  const request = authorizationRequest(rp, { login_hint: accountId });
  const done = await browser.follow(request.url, {}, isRedirectUri);
  const code = codeOf(done.stoppedAt, request.state, 'baseline sign-in', done.reply);
  return tokensAndUserinfo(browser, rp, code, request.verifier);
}
