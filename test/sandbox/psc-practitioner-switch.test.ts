/**
 * PSC simulator: a second practitioner signs in on a browser whose PSC session belongs to
 * another one (a step-up refused for an e-CPS, retried with someone else's card). Like any
 * oidc-provider, the simulator ends the first session (a self-submitting form: the logout
 * confirmation) and finishes the sign-in as the second practitioner; the interaction survives
 * the revocation of the first practitioner's grant (no "interaction session not found").
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import * as client from 'openid-client';
import { parse } from 'node-html-parser';
import { startPscSimulator, type PscSimulator } from '../../src/sandbox/psc/index.ts';
import { CookieJar, follow, openLoginPage, postLoginForm, request } from './psc-login-driver.ts';

const REDIRECT_URI = 'http://localhost:65000/federation/psc/callback';
const CLIENT = { client_id: 'hospiconnect-gateway', client_secret: 'test-secret-not-real', redirect_uris: [REDIRECT_URI] };
const ECPS_PRACTITIONER = '810104567894';
const CARD_PRACTITIONER = '810103456783';

let sim: PscSimulator;
let config: client.Configuration;
beforeAll(async () => {
  sim = await startPscSimulator({ port: 0, clients: [CLIENT] });
  config = await client.discovery(new URL(sim.issuer), CLIENT.client_id, CLIENT.client_secret, undefined, { execute: [client.allowInsecureRequests] });
});
afterAll(() => sim.close());

async function authorization(extra: Record<string, string> = {}) {
  const checks = { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: client.randomState(), expectedNonce: client.randomNonce() };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid scope_all',
    acr_values: 'eidas1',
    state: checks.expectedState,
    nonce: checks.expectedNonce,
    code_challenge: await client.calculatePKCECodeChallenge(checks.pkceCodeVerifier),
    code_challenge_method: 'S256',
    ...extra,
  });
  return { url, checks };
}

/** Submits a page's only form as a browser does when its script posts it on load. */
async function submitSelfPostingForm(jar: CookieJar, html: string, base: URL) {
  const form = parse(html).querySelector('form');
  assert.ok(form, `a form to post, got: ${html.slice(0, 300)}`);
  const body = new URLSearchParams(form.querySelectorAll('input[type=hidden]').map((i) => [i.getAttribute('name')!, i.getAttribute('value') ?? '']));
  return request(jar, new URL(form.getAttribute('action')!, base), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  });
}

async function login(jar: CookieJar, extra: Record<string, string>, practitioner: string, means: 'card' | 'ecps') {
  const { url, checks } = await authorization(extra);
  const visit = await openLoginPage(url, jar);
  const posted = await postLoginForm(visit, { action: 'login', practitioner, means, forceAcr: '', forceAuthMode: '' });
  assert.equal(posted.status, 303);
  let reached = await follow(jar, new URL(posted.headers.get('location')!, visit.pageUrl), REDIRECT_URI);
  if (!reached.url.href.startsWith(REDIRECT_URI)) {
    const html = await reached.response.text();
    assert.equal(
      reached.response.status,
      200,
      `expected the logout confirmation that posts itself, got HTTP ${reached.response.status}: ${html.slice(0, 400)}`,
    );
    const confirmed = await submitSelfPostingForm(jar, html, reached.url);
    const location = confirmed.headers.get('location');
    assert.ok(location, `the confirmation redirects, got HTTP ${confirmed.status}: ${(await confirmed.text()).slice(0, 400)}`);
    reached = await follow(jar, new URL(location, reached.url), REDIRECT_URI);
  }
  const body = reached.url.href.startsWith(REDIRECT_URI) ? '' : await reached.response.text();
  assert.ok(
    reached.url.href.startsWith(REDIRECT_URI),
    `back at the client, stopped at ${reached.url.href} (HTTP ${reached.response.status}): ${body
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .slice(0, 900)}`,
  );
  const tokens = await client.authorizationCodeGrant(config, reached.url, checks);
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
  return { acr: tokens.claims()!.acr, idNat: userinfo.SubjectNameID, authMode: userinfo.authMode };
}

describe('another practitioner on a browser with a PSC session', () => {
  it("a step-up (prompt=login) done with another practitioner's card ends the first session and signs the second one in", async () => {
    const jar = new CookieJar();
    assert.deepEqual(await login(jar, {}, ECPS_PRACTITIONER, 'ecps'), { acr: 'eidas2', idNat: ECPS_PRACTITIONER, authMode: 'MOBILE' });
    assert.deepEqual(await login(jar, { prompt: 'login' }, CARD_PRACTITIONER, 'card'), { acr: 'eidas3', idNat: CARD_PRACTITIONER, authMode: 'CARD' });

    // The session now holds the second practitioner: the next request is answered from it.
    const { url, checks } = await authorization();
    const silent = await follow(jar, url, REDIRECT_URI);
    assert.ok(silent.url.href.startsWith(REDIRECT_URI), `answered without a page, stopped at ${silent.url.href}`);
    const tokens = await client.authorizationCodeGrant(config, silent.url, checks);
    assert.equal((await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).SubjectNameID, CARD_PRACTITIONER);
  });
});
