/**
 * The authenticator models the gateway names keys after (webauthn.aaguidsFile), read once at
 * start-up: a missing, unreadable or invalid table stops start-up with a ConfigError naming
 * the variable (one line, exit code 2), as the other file settings do.
 */
import { ConfigError, envNameFor, type Config } from '../config/index.ts';
import { AaguidTableError, loadAaguidTable, type AaguidTable } from './aaguid.ts';

const KEY = 'webauthn.aaguidsFile';

export function loadAaguidsFile(webauthn: Pick<Config['webauthn'], 'aaguidsFile'>): AaguidTable {
  const path = webauthn.aaguidsFile;
  try {
    return loadAaguidTable(path);
  } catch (err) {
    if (!(err instanceof AaguidTableError)) throw err;
    throw new ConfigError([{ key: KEY, env: envNameFor(KEY), received: JSON.stringify(path), expected: err.expected }]);
  }
}
