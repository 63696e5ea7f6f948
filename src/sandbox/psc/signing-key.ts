/**
 * The simulator's ID token signing key: RS256, generated at start-up (never written to disk).
 * Also makes the throwaway key used by the 'unknown-key' fault.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

export interface SigningKey {
  /** Key id, as published in the JWKS and set in ID token headers. */
  kid: string;
  /** Private JWK for oidc-provider's `jwks` configuration. */
  privateJwk: JWK;
  /** The same private key for jose (fault re-signing). */
  privateKey: CryptoKey;
}

/** Generates a 2048-bit RSA key; `kid` is its JWK thumbprint. */
export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateJwk: { ...jwk, kid, alg: 'RS256', use: 'sig' }, privateKey };
}
