/**
 * The private key of a `private_key_jwt` demo client: read from keys/<client>.private.json,
 * created on first use (sandbox only). The public half is served as the client's JWKS.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importJWK, type JWK } from 'jose';
import { generateSigningKey } from '../../signing-keys/generate.ts';
import { writeSecretFile } from '../../signing-keys/load.ts';

export interface ClientKey {
  privateKey: CryptoKey;
  kid: string;
  publicJwk: JWK;
}

export async function loadClientKey(keysDir: string, clientId: string): Promise<ClientKey> {
  const path = join(keysDir, `${clientId}.private.json`);
  if (!existsSync(path)) writeSecretFile(path, await generateSigningKey('ES256'));
  const jwk = JSON.parse(readFileSync(path, 'utf8')) as JWK;
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
  return { privateKey: (await importJWK(jwk, jwk.alg)) as CryptoKey, kid: jwk.kid!, publicJwk };
}
