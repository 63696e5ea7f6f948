import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, formatProblem, loadConfig, type Config } from '../config/index.ts';
import { clientPlaceholders, loadClientsFile, type ClientMetadata } from '../oidc/index.ts';
import { checkDemoRegistrations } from './demo-registrations.ts';

const SECRET = { DEMO_DPI_CLIENT_SECRET: 'd'.repeat(43) };
const configWith = (env: NodeJS.ProcessEnv) => loadConfig({ env: { ...env, CLIENTS_FILE: 'custom/clients.json' }, cwd: mkdtempSync(join(tmpdir(), 'cfg-')) });
const repositoryClients = (config: Config) => loadClientsFile('config/clients.json', SECRET, clientPlaceholders(config));

function problems(config: Config, clients: ClientMetadata[]): string[] {
  try {
    checkDemoRegistrations(config, clients);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map(formatProblem);
  }
  return [];
}

describe('checkDemoRegistrations', () => {
  it('accepts the repository file wherever the demo applications run', () => {
    for (const env of [
      {},
      { SANDBOX_DPI_PORT: '4002', SANDBOX_DMP_PORT: '4003' },
      { SANDBOX_HOST: '0.0.0.0', SANDBOX_DMP_URL: 'https://dmp.sandbox.example' },
    ]) {
      const config = configWith(env);
      assert.deepEqual(problems(config, repositoryClients(config)), [], JSON.stringify(env));
    }
  });

  it('refuses registrations made for other addresses: one line per application, the first difference and the fix', () => {
    const registeredAt3002 = repositoryClients(configWith({}));
    const config = configWith({ SANDBOX_DPI_PORT: '4002', SANDBOX_DMP_URL: 'http://dmp.sandbox.example' });
    assert.deepEqual(problems(config, registeredAt3002), [
      'config: clients.file (CLIENTS_FILE) = "custom/clients.json" — expected demo-dpi registered as the demo DPI runs, at http://localhost:4002 (SANDBOX_DPI_URL): its redirect_uris are "http://localhost:3002/callback", without "http://localhost:4002/callback"; write "${SANDBOX_DPI_URL}/callback" there (and ${SANDBOX_DPI_URL} in its other addresses, as config/clients.json does), or set SANDBOX_DPI_URL to the address it is registered at',
      'config: clients.file (CLIENTS_FILE) = "custom/clients.json" — expected demo-dmp registered as the demo DMP-like service runs, at http://dmp.sandbox.example (SANDBOX_DMP_URL): its redirect_uris are "http://localhost:3003/callback", without "http://dmp.sandbox.example/callback"; write "${SANDBOX_DMP_URL}/callback" there (and ${SANDBOX_DMP_URL} in its other addresses, as config/clients.json does), or set SANDBOX_DMP_URL to the address it is registered at',
    ]);
  });

  it("names the key address that differs: the DMP-like service's keys (jwks_uri), its back-channel logout", () => {
    const config = configWith({});
    const [dpi, dmp] = repositoryClients(config);
    const [keys] = problems(config, [dpi!, { ...dmp!, jwks_uri: 'http://localhost:3013/jwks.json' }]);
    assert.match(
      keys!,
      /its jwks_uri is "http:\/\/localhost:3013\/jwks\.json", not "http:\/\/localhost:3003\/jwks\.json"; write "\$\{SANDBOX_DMP_URL\}\/jwks\.json" there/,
    );
    const [logout] = problems(config, [{ ...dpi!, backchannel_logout_uri: 'http://localhost:3012/backchannel-logout' }, dmp!]);
    assert.match(logout!, /its backchannel_logout_uri is "http:\/\/localhost:3012\/backchannel-logout", not "http:\/\/localhost:3002\/backchannel-logout"/);
    const { backchannel_logout_uri: _none, ...withoutLogout } = dpi!;
    assert.deepEqual(problems(config, [withoutLogout as ClientMetadata, dmp!]), [], 'without back-channel logout the demo still signs in');
  });

  it('refuses a missing demo application or another client authentication', () => {
    const config = configWith({});
    const [dpi, dmp] = repositoryClients(config);
    assert.deepEqual(problems(config, [dpi!]), [
      'config: clients.file (CLIENTS_FILE) = "custom/clients.json" — expected demo-dmp registered (the demo DMP-like service signs in as demo-dmp): copy its entry from config/clients.json, or leave CLIENTS_FILE unset',
    ]);
    const [method] = problems(config, [dpi!, { ...dmp!, token_endpoint_auth_method: 'client_secret_basic' }]);
    assert.match(
      method!,
      /expected demo-dmp registered as the demo DMP-like service runs, at http:\/\/localhost:3003 \(SANDBOX_DMP_URL\) with "token_endpoint_auth_method": "private_key_jwt" \(the demo DMP-like service authenticates so\), not "client_secret_basic"/,
    );
  });
});
