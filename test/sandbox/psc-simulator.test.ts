/**
 * PSC simulator, end to end over real HTTP (port 0): discovery, login with each means and
 * tester option, claims in PSC's shape, refusal, the /auth host alias, every fault, and
 * robustness of the login form. openid-client v6 plays the relying party.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import * as client from 'openid-client';
import { parsePractitioners, PractitionerFixtureError } from '../../src/sandbox/psc/practitioners.ts';
import { ID_TOKEN_FAULTS, PSC_SESSION, startPscSimulator, type PscSimulator } from '../../src/sandbox/psc/index.ts';
import { CookieJar, follow, openLoginPage, postLoginForm, pscLogin, request } from './psc-login-driver.ts';

const REDIRECT_URI = 'http://localhost:65000/federation/psc/callback';
const CLIENT = { client_id: 'hospiconnect-gateway', client_secret: 'test-secret-not-real', redirect_uris: [REDIRECT_URI] };
const POST_CLIENT = {
  client_id: 'gateway-post',
  client_secret: 'another-test-secret',
  redirect_uris: [REDIRECT_URI],
  token_endpoint_auth_method: 'client_secret_post' as const,
};

const CARD_DOCTOR = '899700427885';
const TWO_EXERCICES = '810107890127';
const NON_NUMERIC = 'ANS20231122132732';

let sim: PscSimulator;
let config: client.Configuration;

beforeAll(async () => {
  sim = await startPscSimulator({ port: 0, clients: [CLIENT, POST_CLIENT] });
  config = await discover(CLIENT.client_id, CLIENT.client_secret);
});

/** openid-client configuration; enableNonRepudiationChecks makes it verify ID token signatures. */
function discover(clientId: string, secret: string | undefined, auth?: client.ClientAuth): Promise<client.Configuration> {
  return client.discovery(new URL(sim.issuer), clientId, secret, auth, {
    execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
  });
}
afterAll(() => sim.close());
beforeEach(() => {
  sim.faults = {};
});

/** Starts an authorization request as the gateway would; returns what the callback needs. */
async function authorization(cfg = config, extra: Record<string, string> = {}) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const expectedState = client.randomState();
  const expectedNonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(cfg, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid scope_all',
    acr_values: 'eidas1',
    state: expectedState,
    nonce: expectedNonce,
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    ...extra,
  });
  return { url, checks: { pkceCodeVerifier, expectedState, expectedNonce } };
}

/** Login through the page, then code exchange and userinfo with openid-client. */
async function signIn(choice: { practitioner?: string; means?: string; forceAcr?: string; forceAuthMode?: string }, cfg = config, jar = new CookieJar()) {
  const { url, checks } = await authorization(cfg);
  const callback = await pscLogin(url, { redirectUri: REDIRECT_URI, ...choice }, jar);
  const tokens = await client.authorizationCodeGrant(cfg, callback, checks);
  const idToken = tokens.claims();
  assert.ok(idToken, 'expected an ID token');
  const userinfo = await client.fetchUserInfo(cfg, tokens.access_token, idToken.sub);
  return { tokens, idToken, userinfo };
}

describe('discovery', () => {
  it('serves the same document at the standard and the wallet-openid-configuration paths', async () => {
    const standard = await fetch(`${sim.issuer}/.well-known/openid-configuration`);
    const wallet = await fetch(`${sim.issuer}/.well-known/wallet-openid-configuration`);
    assert.equal(standard.status, 200);
    assert.equal(wallet.status, 200);
    const a = (await standard.json()) as Record<string, unknown>;
    const b = (await wallet.json()) as Record<string, unknown>;
    assert.deepEqual(b, a);
    assert.equal(a.issuer, sim.issuer);
    assert.match(sim.issuer, /^http:\/\/localhost:\d+\/auth\/realms\/esante-wallet$/);
    assert.equal(a.authorization_endpoint, `${sim.issuer}/protocol/openid-connect/auth`);
    assert.equal(a.token_endpoint, `${sim.issuer}/protocol/openid-connect/token`);
    assert.equal(a.userinfo_endpoint, `${sim.issuer}/protocol/openid-connect/userinfo`);
    assert.equal(a.jwks_uri, `${sim.issuer}/protocol/openid-connect/certs`);
    assert.equal(a.end_session_endpoint, `${sim.issuer}/protocol/openid-connect/logout`);
    assert.equal(a.introspection_endpoint, `${sim.issuer}/protocol/openid-connect/token/introspect`);
    assert.equal(a.revocation_endpoint, `${sim.issuer}/protocol/openid-connect/revoke`);
    assert.deepEqual(a.acr_values_supported, ['eidas1', 'eidas2', 'eidas3']);
    assert.deepEqual(a.scopes_supported, ['openid', 'scope_all']);
    assert.deepEqual(a.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post']);
    assert.deepEqual(a.id_token_signing_alg_values_supported, ['RS256']);
    assert.ok(!(a.claims_supported as string[]).includes('amr'), 'amr is not released, as on PSC');
  });

  it('publishes one RS256 signing key in the JWKS', async () => {
    const jwks = (await (await fetch(`${sim.issuer}/protocol/openid-connect/certs`)).json()) as { keys: Array<Record<string, unknown>> };
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0]?.kty, 'RSA');
    assert.equal(jwks.keys[0]?.alg, 'RS256');
    assert.equal(jwks.keys[0]?.d, undefined, 'no private part');
  });
});

describe('login page', () => {
  it('lists at least 8 test practitioners, with labels, fieldsets and no inline script or style', async () => {
    const { url } = await authorization();
    const { html, response } = await openLoginPage(url);
    const radios = html.match(/<input type="radio" name="practitioner"/g) ?? [];
    assert.ok(radios.length >= 8, `expected >= 8 practitioners, found ${radios.length}`);
    assert.match(html, /Simulateur Pro Santé Connect — environnement de test/);
    assert.match(html, /<html lang="fr">/);
    assert.equal((html.match(/<label for="praticien-\d+">/g) ?? []).length, radios.length, 'one label per practitioner');
    assert.match(html, /<legend>Moyen d’authentification<\/legend>/);
    assert.match(html, /<details class="advanced">/);
    assert.match(html, />Se connecter</);
    assert.match(html, />Refuser</);
    assert.match(html, new RegExp(NON_NUMERIC));
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<style|style="/i);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const css = await fetch(new URL('/static/psc/psc.css', url));
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /text\/css/);
  });
});

describe('login and claims', () => {
  it('Carte CPS: ID token verified by openid-client with acr eidas3, userinfo in PSC shape with authMode CARD', async () => {
    const { idToken, userinfo, tokens } = await signIn({ practitioner: CARD_DOCTOR, means: 'card' });
    assert.equal(idToken.iss, sim.issuer);
    assert.equal(idToken.aud, CLIENT.client_id);
    assert.equal(idToken.acr, 'eidas3');
    assert.equal(idToken.amr, undefined, 'PSC sends no amr');
    assert.equal(idToken.authMode, 'CARD');
    assert.equal(idToken.sub, `f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:${CARD_DOCTOR}`);
    assert.equal(tokens.expires_in, 120);
    assert.ok(tokens.refresh_token, 'a refresh token is issued');

    assert.equal(userinfo.sub, idToken.sub);
    assert.equal(userinfo.authMode, 'CARD');
    assert.equal(userinfo.SubjectNameID, CARD_DOCTOR);
    assert.equal(userinfo.preferred_username, CARD_DOCTOR);
    assert.equal(userinfo.given_name, 'KIT');
    assert.equal(userinfo.family_name, 'DOC0042788');
    assert.equal(userinfo.SubjectOrganization, 'CABINET M DOC0042788');
    assert.equal(userinfo.SubjectOrganizationID, 'R102671');
    assert.deepEqual(userinfo.SubjectRole, ['10^1.2.250.1.213.1.1.5.5']);
    assert.equal(userinfo.Secteur_Activite, 'SA07^1.2.250.1.71.4.2.4');
    assert.deepEqual(userinfo.otherIds, [{ identifiant: CARD_DOCTOR, origine: 'RPPS', qualite: 1 }]);
    const refPro = userinfo.SubjectRefPro as { codeCivilite: string; exercices: Array<Record<string, unknown>> };
    assert.equal(refPro.codeCivilite, 'M');
    assert.equal(refPro.exercices.length, 1);
    const exercice = refPro.exercices[0]!;
    assert.equal(exercice.codeProfession, '10');
    assert.equal(exercice.codeSavoirFaire, 'SM26');
    assert.ok(Array.isArray(exercice.activities), 'the nested key is "activities"');
    assert.equal(exercice.activites, undefined);
    const activity = (exercice.activities as Array<Record<string, unknown>>)[0]!;
    for (const key of [
      'codeModeExercice',
      'codeSecteurDactivite',
      'numeroFinessSite',
      'numeroFinessetablissementJuridique',
      'identifiantTechniqueDeLaStructure',
      'raisonSocialeSite',
      'codePostal',
      'autoriteDenregistrement',
      'codeRole',
      'codeGenreActivite',
    ]) {
      assert.ok(key in activity, `activity has ${key}`);
    }
  });

  it('Application e-CPS: acr eidas2 and authMode MOBILE', async () => {
    const { idToken, userinfo } = await signIn({ practitioner: '810102345672', means: 'ecps' });
    assert.equal(idToken.acr, 'eidas2');
    assert.equal(userinfo.authMode, 'MOBILE');
    assert.deepEqual(userinfo.SubjectRole, ['60^1.2.250.1.213.1.1.5.5']);
  });

  it('forced acr eidas1 with a card is returned as eidas1 (authMode stays CARD)', async () => {
    const { idToken, userinfo } = await signIn({ practitioner: CARD_DOCTOR, means: 'card', forceAcr: 'eidas1' });
    assert.equal(idToken.acr, 'eidas1');
    assert.equal(userinfo.authMode, 'CARD');
  });

  it('can send an unknown authMode (OTHER) or none at all', async () => {
    const unknown = await signIn({ means: 'card', forceAuthMode: 'unknown' });
    assert.equal(unknown.userinfo.authMode, 'OTHER');
    assert.equal(unknown.idToken.authMode, 'OTHER');
    const absent = await signIn({ means: 'ecps', forceAuthMode: 'absent' });
    assert.equal('authMode' in absent.userinfo, false);
    assert.equal(absent.idToken.acr, 'eidas2');
  });

  it('the practitioner with two exercices gets two exercices in two establishments', async () => {
    const { userinfo } = await signIn({ practitioner: TWO_EXERCICES });
    const exercices = (userinfo.SubjectRefPro as { exercices: Array<{ codeProfession: string; activities: Array<{ numeroFinessSite: string }> }> }).exercices;
    assert.equal(exercices.length, 2);
    const finess = exercices.map((e) => e.activities[0]?.numeroFinessSite);
    assert.notEqual(finess[0], finess[1]);
    assert.deepEqual(userinfo.SubjectRole, ['50^1.2.250.1.213.1.1.5.5', '60^1.2.250.1.213.1.1.5.5']);
  });

  it('a non-numeric sandbox identity keeps its id everywhere (origine EDIT)', async () => {
    const { idToken, userinfo } = await signIn({ practitioner: NON_NUMERIC });
    assert.match(idToken.sub, new RegExp(`^f:[0-9a-f-]{36}:${NON_NUMERIC}$`));
    assert.equal(userinfo.SubjectNameID, NON_NUMERIC);
    assert.deepEqual(userinfo.otherIds, [{ identifiant: NON_NUMERIC, origine: 'EDIT', qualite: 1 }]);
  });

  it('the refresh token keeps the means: new access token, same authMode in userinfo', async () => {
    const { tokens, idToken } = await signIn({ means: 'ecps' });
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    const userinfo = await client.fetchUserInfo(config, refreshed.access_token, idToken.sub);
    assert.equal(userinfo.authMode, 'MOBILE');
    assert.equal(refreshed.claims()?.acr, 'eidas2');
  });

  it('two logins in flight do not mix their means', async () => {
    const first = await authorization();
    const second = await authorization();
    const visitA = await openLoginPage(first.url);
    const visitB = await openLoginPage(second.url);
    const submit = async (visit: typeof visitA, practitioner: string, means: string, forceAcr: string) => {
      const res = await postLoginForm(visit, { action: 'login', practitioner, means, forceAcr, forceAuthMode: '' });
      const { url } = await follow(visit.jar, new URL(res.headers.get('location')!, visit.pageUrl), REDIRECT_URI);
      return url;
    };
    const [callbackB, callbackA] = await Promise.all([submit(visitB, '810104567894', 'ecps', ''), submit(visitA, CARD_DOCTOR, 'card', 'eidas1')]);
    const tokensA = await client.authorizationCodeGrant(config, callbackA, first.checks);
    const tokensB = await client.authorizationCodeGrant(config, callbackB, second.checks);
    const userA = await client.fetchUserInfo(config, tokensA.access_token, tokensA.claims()!.sub);
    const userB = await client.fetchUserInfo(config, tokensB.access_token, tokensB.claims()!.sub);
    assert.deepEqual([tokensA.claims()!.acr, userA.authMode, userA.SubjectNameID], ['eidas1', 'CARD', CARD_DOCTOR]);
    assert.deepEqual([tokensB.claims()!.acr, userB.authMode, userB.SubjectNameID], ['eidas2', 'MOBILE', '810104567894']);
  });

  it('client_secret_post clients can exchange codes and introspect', async () => {
    const postConfig = await discover(POST_CLIENT.client_id, undefined, client.ClientSecretPost(POST_CLIENT.client_secret));
    const { tokens } = await signIn({ means: 'card' }, postConfig);
    const introspection = await client.tokenIntrospection(postConfig, tokens.access_token);
    assert.equal(introspection.active, true);
  });

  it('single sign-on: a second client in the same browser gets a code without a page, same means', async () => {
    const jar = new CookieJar();
    await signIn({ practitioner: CARD_DOCTOR, means: 'ecps' }, config, jar);
    const postConfig = await discover(POST_CLIENT.client_id, undefined, client.ClientSecretPost(POST_CLIENT.client_secret));
    const { url, checks } = await authorization(postConfig);
    const { url: callback } = await follow(jar, url, REDIRECT_URI);
    assert.ok(callback.href.startsWith(REDIRECT_URI), `expected a silent redirect, stopped at ${callback.href}`);
    const tokens = await client.authorizationCodeGrant(postConfig, callback, checks);
    const userinfo = await client.fetchUserInfo(postConfig, tokens.access_token, tokens.claims()!.sub);
    assert.equal(tokens.claims()?.acr, 'eidas2');
    assert.equal(userinfo.authMode, 'MOBILE');
    assert.equal(userinfo.SubjectNameID, CARD_DOCTOR);
  });

  it('"Refuser" sends error=access_denied with the state to the redirect_uri', async () => {
    const { url, checks } = await authorization();
    const callback = await pscLogin(url, { redirectUri: REDIRECT_URI, action: 'refuse' });
    assert.equal(callback.origin + callback.pathname, REDIRECT_URI);
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    assert.equal(callback.searchParams.get('state'), checks.expectedState);
    await assert.rejects(client.authorizationCodeGrant(config, callback, checks), (err: { error?: string }) => err.error === 'access_denied');
  });
});

describe('single sign-on session (Keycloak: reused unless prompt=login or an elapsed max_age)', () => {
  /** Signs in once with e-CPS in a fresh browser; returns its cookie jar and the ID token's auth_time. */
  async function ecpsSession() {
    const jar = new CookieJar();
    const { idToken } = await signIn({ practitioner: CARD_DOCTOR, means: 'ecps' }, config, jar);
    return { jar, authTime: idToken.auth_time! };
  }

  /** Follows an authorization request in that browser: the login page, or a code without any page. */
  async function again(jar: CookieJar, extra: Record<string, string> = {}) {
    const { url, checks } = await authorization(config, extra);
    const { response, url: stoppedAt } = await follow(jar, url, REDIRECT_URI);
    return { response, stoppedAt, checks, silent: stoppedAt.href.startsWith(REDIRECT_URI) };
  }

  it('a second request of the same client without prompt is answered from the session: no page, same means (e-CPS)', async () => {
    const { jar, authTime } = await ecpsSession();
    const second = await again(jar);
    assert.ok(second.silent, `expected a code without a page, stopped at ${second.stoppedAt.href}`);
    const tokens = await client.authorizationCodeGrant(config, second.stoppedAt, second.checks);
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    assert.deepEqual([tokens.claims()!.acr, userinfo.authMode, tokens.claims()!.auth_time], ['eidas2', 'MOBILE', authTime]);
  });

  it("acr_values=eidas3 is not treated as a step-up (PSC's behaviour is unconfirmed, the gateway relies on prompt=login): the session answers with e-CPS", async () => {
    const { jar } = await ecpsSession();
    const second = await again(jar, { acr_values: 'eidas3' });
    assert.ok(second.silent);
    assert.equal((await client.authorizationCodeGrant(config, second.stoppedAt, second.checks)).claims()!.acr, 'eidas2');
  });

  it('prompt=login shows the login form again; the card then gives eidas3, CARD and a new auth_time', async () => {
    const { jar, authTime } = await ecpsSession();
    await new Promise((r) => setTimeout(r, 1100));
    const { url, checks } = await authorization(config, { prompt: 'login' });
    const callback = await pscLogin(url, { redirectUri: REDIRECT_URI, practitioner: CARD_DOCTOR, means: 'card' }, jar);
    const tokens = await client.authorizationCodeGrant(config, callback, checks);
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    assert.deepEqual([tokens.claims()!.acr, userinfo.authMode], ['eidas3', 'CARD']);
    assert.ok(tokens.claims()!.auth_time! > authTime, 'a fresh authentication');
    const third = await again(jar);
    assert.ok(third.silent, 'the session now holds the card sign-in');
    assert.equal((await client.authorizationCodeGrant(config, third.stoppedAt, third.checks)).claims()!.acr, 'eidas3');
  });

  it('max_age shows the form once the authentication is older than it, not before', async () => {
    const { jar } = await ecpsSession();
    assert.ok((await again(jar, { max_age: '3600' })).silent, 'a recent authentication satisfies max_age=3600');
    await new Promise((r) => setTimeout(r, 1100));
    const elapsed = await again(jar, { max_age: '0' });
    assert.equal(elapsed.silent, false);
    assert.equal(elapsed.response.status, 200);
    assert.match(elapsed.stoppedAt.pathname, /^\/interaction\//);
  });
});

describe('session lifetimes (PSC: 30 min idle, 4 h at most; shortened here)', () => {
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** A simulator with these lifetimes, one e-CPS sign-in, then a function that says whether the next request is silent. */
  async function withSession(session: { idleSeconds: number; maxSeconds: number }, test: (silentNow: () => Promise<boolean>) => Promise<void>) {
    const short = await startPscSimulator({ port: 0, clients: [CLIENT], session });
    try {
      const cfg = await client.discovery(new URL(short.issuer), CLIENT.client_id, CLIENT.client_secret, undefined, { execute: [client.allowInsecureRequests] });
      const jar = new CookieJar();
      await signIn({ means: 'ecps' }, cfg, jar);
      await test(async () => {
        const { url } = await authorization(cfg);
        return (await follow(jar, url, REDIRECT_URI)).url.href.startsWith(REDIRECT_URI);
      });
    } finally {
      await short.close();
    }
  }

  it("the defaults are PSC's", () => {
    assert.deepEqual(PSC_SESSION, { idleSeconds: 1800, maxSeconds: 14_400 });
  });

  it('a session left idle longer than the idle limit is gone: the form again', async () => {
    await withSession({ idleSeconds: 1, maxSeconds: 3600 }, async (silentNow) => {
      await pause(2100);
      assert.equal(await silentNow(), false);
    });
  });

  it('an active session still ends at its maximum age', async () => {
    await withSession({ idleSeconds: 3600, maxSeconds: 2 }, async (silentNow) => {
      await pause(1100);
      assert.equal(await silentNow(), true, 'still within the maximum');
      await pause(2500);
      assert.equal(await silentNow(), false, 'ended although used a second ago');
    });
  });
});

describe('PSC split hosts', () => {
  it('GET /auth on another host name redirects to the authorization endpoint with the same query', async () => {
    const { url, checks } = await authorization();
    const alias = new URL(`/auth${url.search}`, sim.url.replace('localhost', '127.0.0.1'));
    const res = await fetch(alias, { redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `${sim.issuer}/protocol/openid-connect/auth${url.search}`);
    const callback = await pscLogin(alias, { redirectUri: REDIRECT_URI });
    const tokens = await client.authorizationCodeGrant(config, callback, checks);
    assert.equal(tokens.claims()?.acr, 'eidas3');
  });
});

describe('faults', () => {
  for (const fault of ID_TOKEN_FAULTS) {
    it(`idToken '${fault}' makes openid-client reject the token response`, async () => {
      const { url, checks } = await authorization();
      const callback = await pscLogin(url, { redirectUri: REDIRECT_URI });
      sim.faults.idToken = fault;
      await assert.rejects(client.authorizationCodeGrant(config, callback, checks));
    });
  }

  it('without faults the same flow succeeds (control, after a reset with {})', async () => {
    sim.faults.idToken = 'wrong-nonce';
    sim.faults = {};
    const { url, checks } = await authorization();
    const callback = await pscLogin(url, { redirectUri: REDIRECT_URI });
    const tokens = await client.authorizationCodeGrant(config, callback, checks);
    assert.ok(tokens.claims());
  });

  it('tokenStatus 503 answers a JSON error that openid-client rejects', async () => {
    const { url, checks } = await authorization();
    const callback = await pscLogin(url, { redirectUri: REDIRECT_URI });
    sim.faults.tokenStatus = 503;
    const err = await client.authorizationCodeGrant(config, callback, checks).then(
      () => undefined,
      (e: Error & { cause?: unknown }) => e,
    );
    assert.ok(err, 'expected the token request to fail');
    assert.ok(err.cause instanceof Response, 'openid-client keeps the unexpected response as the cause');
    assert.equal(err.cause.status, 503);
    assert.deepEqual(await err.cause.json(), { error: 'temporarily_unavailable', error_description: 'simulated PSC failure (HTTP 503)' });
    sim.faults.tokenStatus = 400;
    const again = await authorization();
    const callback2 = await pscLogin(again.url, { redirectUri: REDIRECT_URI });
    await assert.rejects(
      client.authorizationCodeGrant(config, callback2, again.checks),
      (err: { status?: number; error?: string }) => err.status === 400 && err.error === 'invalid_request',
    );
  });

  it('delayMs slows the token endpoint (a 1 s client timeout fails, no timeout waits)', async () => {
    const slowConfig = await discover(CLIENT.client_id, CLIENT.client_secret);
    slowConfig.timeout = 1;
    const first = await authorization(slowConfig);
    const callback = await pscLogin(first.url, { redirectUri: REDIRECT_URI });
    sim.faults.delayMs = 1500;
    await assert.rejects(client.authorizationCodeGrant(slowConfig, callback, first.checks), /timed out|timeout|abort/i);

    sim.faults.delayMs = 300;
    const second = await authorization();
    const callback2 = await pscLogin(second.url, { redirectUri: REDIRECT_URI });
    const started = Date.now();
    const tokens = await client.authorizationCodeGrant(config, callback2, second.checks);
    assert.ok(Date.now() - started >= 300, 'token response delayed');
    const startedUserinfo = Date.now();
    await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    assert.ok(Date.now() - startedUserinfo >= 300, 'userinfo response delayed');
  });
});

describe('robustness', () => {
  const garbage: Array<[string, string, string]> = [
    ['an empty body', '', /Choisissez «\u00a0Se connecter\u00a0» ou «\u00a0Refuser\u00a0»/.source],
    ['an unknown action', 'action=hack&practitioner=899700427885&means=card', /Choisissez «\u00a0Se connecter\u00a0»/.source],
    ['an unknown practitioner', 'action=login&practitioner=%3Cscript%3Ealert(1)%3C%2Fscript%3E&means=card', /ne fait pas partie des identités de test/.source],
    ['no means', `action=login&practitioner=${CARD_DOCTOR}`, /Choisissez un moyen d’authentification/.source],
    ['a bad forced acr', `action=login&practitioner=${CARD_DOCTOR}&means=card&forceAcr=eidas9`, /niveau acr forcé/.source],
    ['a bad authMode option', `action=login&practitioner=${CARD_DOCTOR}&means=card&forceAuthMode=ROOT`, /authMode/.source],
    ['a repeated field', `action=login&practitioner=${CARD_DOCTOR}&practitioner=810102345672&means=card`, /plusieurs fois/.source],
  ];
  for (const [label, body, expected] of garbage) {
    it(`a login form with ${label} gets a 400 French page, not a 500`, async () => {
      const { url } = await authorization();
      const visit = await openLoginPage(url);
      const res = await request(visit.jar, visit.pageUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      assert.equal(res.status, 400);
      const html = await res.text();
      assert.match(html, /Le formulaire n’a pas pu être traité/);
      assert.match(html, new RegExp(expected));
      assert.doesNotMatch(html, /<script>alert/);
      assert.doesNotMatch(html, /at .*\.ts:\d+/, 'no stack trace');
      // the page is shown again and still works
      const callback = await pscLogin(url, { redirectUri: REDIRECT_URI }, visit.jar).catch(() => undefined);
      assert.ok(callback === undefined || callback.href.startsWith(REDIRECT_URI));
    });
  }

  it('a JSON body is refused with a 400 French page', async () => {
    const { url } = await authorization();
    const visit = await openLoginPage(url);
    const res = await request(visit.jar, visit.pageUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"action":' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /lang="fr"/);
  });

  it('a post without the interaction cookie gets a 400 French page', async () => {
    const { url } = await authorization();
    const visit = await openLoginPage(url);
    const res = await request(new CookieJar(), visit.pageUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=login',
    });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /a expiré ou est introuvable/);
  });

  it('an unknown path gets a French 404 and a bad authorization request a French error page', async () => {
    const notFound = await fetch(`${sim.url}/nope`);
    assert.equal(notFound.status, 404);
    assert.match(await notFound.text(), /Page introuvable/);
    const bad = await fetch(
      `${sim.issuer}/protocol/openid-connect/auth?client_id=unknown&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`,
    );
    assert.equal(bad.status, 400);
    const html = await bad.text();
    assert.match(html, /La demande de connexion est invalide/);
    assert.match(html, /invalid_client/);
  });

  it('the logout endpoint shows a French confirmation page to a signed-in browser', async () => {
    const jar = new CookieJar();
    const { tokens } = await signIn({}, config, jar);
    const url = new URL(`${sim.issuer}/protocol/openid-connect/logout`);
    url.searchParams.set('id_token_hint', tokens.id_token!);
    const res = await request(jar, url);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /Se déconnecter de Pro Santé Connect/);
    assert.match(html, /<form id="op.logoutForm"/);
  });
});

describe('practitioner fixture validation', () => {
  it('names the entry and the field of a malformed practitioner', () => {
    const good = {
      uuid: '550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd',
      idNat: '899700427885',
      given_name: 'A',
      family_name: 'B',
      SubjectOrganization: '',
      SubjectOrganizationID: '',
      Secteur_Activite: '',
      otherIds: [],
      SubjectRefPro: {
        codeCivilite: 'M',
        exercices: [
          {
            codeProfession: '10',
            codeCategorieProfessionnelle: 'C',
            codeCiviliteDexercice: '',
            nomDexercice: 'B',
            prenomDexercice: 'A',
            codeTypeSavoirFaire: '',
            codeSavoirFaire: '',
            activities: [],
          },
        ],
      },
    };
    assert.equal(parsePractitioners({ practitioners: [good] }).length, 1);
    const broken = structuredClone(good);
    broken.idNat = '810000000001';
    broken.SubjectRefPro.exercices[0]!.codeProfession = '';
    assert.throws(
      () => parsePractitioners({ practitioners: [good, broken] }, 'fixture.json'),
      (err: Error) => {
        assert.ok(err instanceof PractitionerFixtureError);
        assert.match(err.message, /fixture\.json: practitioners\[1\] \(idNat "810000000001"\): SubjectRefPro\.exercices\[0\]\.codeProfession/);
        return true;
      },
    );
    assert.throws(
      () => parsePractitioners({ practitioners: [good, { ...good, uuid: '00000000-0000-4000-8000-000000000000' }] }),
      /idNat is used by an earlier entry/,
    );
    assert.throws(() => parsePractitioners({ practitioners: [{ ...good, familly_name: 'typo' }] }), /practitioners\[0\].*familly_name/);
    assert.throws(() => parsePractitioners({}), /practitioners/);
  });
});
