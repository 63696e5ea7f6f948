/**
 * Creates the key material the gateway needs: signing keys (ES256 first, RS256 second,
 * each with a unique kid = RFC 7638 thumbprint) and cookie keys (random, 32 bytes).
 */
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

export type SigningAlg = 'ES256' | 'RS256';

export async function generateSigningKey(alg: SigningAlg): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg, use: 'sig' };
}

/** A fresh key set: the first key (ES256) signs; RS256 serves clients that require it. */
export async function generateSigningKeys(): Promise<{ keys: JWK[] }> {
  return { keys: [await generateSigningKey('ES256'), await generateSigningKey('RS256')] };
}

export function generateCookieKeys(): string[] {
  return [randomBytes(32).toString('base64url')];
}
