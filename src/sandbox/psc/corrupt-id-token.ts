/**
 * Corrupts a freshly issued ID token for the `faults.idToken` negative tests: each variant
 * breaks exactly one check a relying party must make (signature, iss, aud, exp, nonce, kid).
 */
import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import type { SigningKey } from './signing-key.ts';

/** ID token faults, see PscFaults.idToken. */
export const ID_TOKEN_FAULTS = ['bad-signature', 'wrong-issuer', 'wrong-audience', 'expired', 'wrong-nonce', 'unknown-key'] as const;
export type IdTokenFault = (typeof ID_TOKEN_FAULTS)[number];

async function sign(payload: JWTPayload, key: SigningKey['privateKey'], kid: string, typ: string | undefined): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid, ...(typ ? { typ } : {}) }).sign(key);
}

/** Returns the ID token with one defect; `key` is the simulator's own signing key. */
export async function corruptIdToken(idToken: string, fault: IdTokenFault, key: SigningKey): Promise<string> {
  if (fault === 'bad-signature') {
    const [header, payload, signature] = idToken.split('.');
    if (header === undefined || payload === undefined || signature === undefined) {
      throw new TypeError(`expected a compact JWS with three parts, received ${idToken.split('.').length} part(s)`);
    }
    const bytes = Buffer.from(signature, 'base64url');
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    return `${header}.${payload}.${bytes.toString('base64url')}`;
  }
  const claims = decodeJwt(idToken);
  const { typ } = decodeProtectedHeader(idToken);
  const now = Math.floor(Date.now() / 1000);
  switch (fault) {
    case 'wrong-issuer':
      return sign({ ...claims, iss: `${claims.iss ?? ''}-not-this-issuer` }, key.privateKey, key.kid, typ);
    case 'wrong-audience':
      return sign({ ...claims, aud: 'some-other-client' }, key.privateKey, key.kid, typ);
    case 'expired':
      return sign({ ...claims, iat: now - 7200, exp: now - 3600 }, key.privateKey, key.kid, typ);
    case 'wrong-nonce':
      return sign({ ...claims, nonce: randomBytes(16).toString('base64url') }, key.privateKey, key.kid, typ);
    case 'unknown-key': {
      const stranger = await generateKeyPair('RS256', { modulusLength: 2048 });
      return sign(claims, stranger.privateKey, `not-in-jwks-${randomBytes(4).toString('hex')}`, typ);
    }
  }
}
