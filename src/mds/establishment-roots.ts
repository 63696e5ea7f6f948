/**
 * The establishment's own attestation roots (webauthn.establishmentRootsFile): the roots of the
 * keys a hospital bought whose model is not in the FIDO Metadata Service. Read once at start-up;
 * a missing, unreadable or non-PEM file stops start-up with a ConfigError naming the variable.
 */
import { ConfigError, type Config } from '../config/index.ts';
import { PemFileError, readPemCertificates } from './pem-certificates.ts';

/** The PEM roots, or [] when the setting is absent. */
export function loadEstablishmentRoots(webauthn: Pick<Config['webauthn'], 'establishmentRootsFile'>, cwd: string = process.cwd()): string[] {
  const path = webauthn.establishmentRootsFile;
  if (path === undefined) return [];
  try {
    return readPemCertificates(path, cwd);
  } catch (err) {
    if (!(err instanceof PemFileError)) throw err;
    throw new ConfigError([
      { key: 'webauthn.establishmentRootsFile', env: 'WEBAUTHN_ESTABLISHMENT_ROOTS_FILE', received: JSON.stringify(path), expected: err.expected },
    ]);
  }
}
