/**
 * The demo-dmp relying party as a test drives it (FAPI 2.0 style): openid-client with the
 * client's private_key_jwt key (the stack's keys folder, as the demo application reads it),
 * a DPoP key pair, pushed authorization requests, and the clinician's sign-in at PSC.
 */
import * as client from 'openid-client';
import { loadClientKey } from '../../src/sandbox/rp/client-key.ts';
import type { TestBrowser } from './browser.ts';
import { loginAtPsc, signInParameters, type PscChoice } from './psc-login.ts';
import type { Stack } from './stack.ts';

export interface DmpClient {
  config: client.Configuration;
  /** The DPoP key pair and its openid-client handle (proofs, server nonces). */
  dpopKeys: CryptoKeyPair;
  dpop: client.DPoPHandle;
  redirectUri: string;
}

export async function dmpClient(stack: Stack): Promise<DmpClient> {
  if (!stack.demo) throw new Error('dmpClient needs a stack started with demoApps: true');
  const key = await loadClientKey(stack.keysDir, 'demo-dmp');
  const config = await client.discovery(
    new URL(stack.issuer),
    'demo-dmp',
    { userinfo_signed_response_alg: 'ES256' },
    client.PrivateKeyJwt({ key: key.privateKey, kid: key.kid }),
    { execute: [client.allowInsecureRequests] },
  );
  const dpopKeys = await client.randomDPoPKeyPair('ES256');
  return { config, dpopKeys, dpop: client.getDPoPHandle(config, dpopKeys), redirectUri: `${stack.demo.dmp}/callback` };
}

export interface PushedRequest {
  /** The authorization URL: client_id and request_uri only. */
  url: URL;
  checks: { pkceCodeVerifier: string; expectedState: string; expectedNonce: string };
}

/** Pushes an authorization request (RFC 9126), with a DPoP proof unless `dpop: false`. */
export async function pushRequest(
  config: client.Configuration,
  redirectUri: string,
  options: { params?: Record<string, string>; dpop?: client.DPoPHandle | false } = {},
): Promise<PushedRequest> {
  const { parameters, checks } = await signInParameters(redirectUri, options.params);
  const url = await client.buildAuthorizationUrlWithPAR(config, parameters, options.dpop ? { DPoP: options.dpop } : {});
  return { url, checks };
}

/** From the authorization URL to the relying party's redirect_uri (PSC, card by default). */
export async function signInAt(browser: TestBrowser, url: URL, redirectUri: string, choice: PscChoice = {}): Promise<{ callback: URL; sawLoginPage: boolean }> {
  const stopAt = (u: URL) => u.href.startsWith(redirectUri);
  const first = await browser.follow(url, {}, { stopAt });
  if (first.stoppedAt) return { callback: first.stoppedAt, sawLoginPage: false };
  if (!first.page) throw new Error('no login page');
  const back = await loginAtPsc(browser, first.page, choice, { stopAt });
  if (back.stoppedAt) return { callback: back.stoppedAt, sawLoginPage: true };
  throw new Error(`sign-in did not reach ${redirectUri}: ${back.page?.status} ${back.page?.url} ${back.page?.body.slice(0, 300)}`);
}
