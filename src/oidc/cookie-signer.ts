/**
 * The signer of oidc-provider's cookies (its `cookies.keys`, which Koa's cookies take in place of
 * a Keygrip): keygrip's signatures, HMAC-SHA1 of `name=value` under the newest key, base64url
 * without padding, so that cookies signed before stay valid and an older key still verifies
 * (the cookie is then signed again with the newest). What differs is the comparison: keygrip
 * compares through tsscmp, a double HMAC-SHA256 under 32 fresh random bytes written before Node
 * had `crypto.timingSafeEqual`, about 100 µs per check against 5 µs here; with several signed
 * cookies read and set per sign-in, that was 0.89 ms of its 10–13 ms of CPU, 0.25 ms now (bench/README.md, sixth round).
 * A digest is compared in constant time for its length, which is public (27 characters).
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/** What Koa's cookies ask of their keys (keygrip's interface). */
export interface CookieSigner {
  sign(data: string): string;
  verify(data: string, digest: string): boolean;
  /** The position of the key that made `digest` (0: the newest), -1 when none did. */
  index(data: string, digest: string): number;
}

export function cookieSigner(keys: readonly string[]): CookieSigner {
  if (keys.length === 0) throw new TypeError('cookieSigner: expected at least one cookie key, got none');
  // KeyObjects made once: Node 24 takes about 17 µs to check a Buffer key at each HMAC, 2 µs for a KeyObject.
  const secrets = keys.map((key) => createSecretKey(Buffer.from(key, 'utf8')));
  const signWith = (secret: KeyObject, data: string) => createHmac('sha1', secret).update(data).digest('base64url');
  const index = (data: string, digest: string) => {
    if (typeof digest !== 'string' || digest === '') return -1;
    const given = Buffer.from(digest, 'utf8');
    for (let i = 0; i < secrets.length; i += 1) {
      const expected = Buffer.from(signWith(secrets[i]!, data), 'utf8');
      if (given.length === expected.length && timingSafeEqual(given, expected)) return i;
    }
    return -1;
  };
  return {
    sign: (data) => signWith(secrets[0]!, data),
    verify: (data, digest) => index(data, digest) >= 0,
    index,
  };
}
