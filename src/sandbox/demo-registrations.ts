/**
 * checkDemoRegistrations: the sandbox's demo applications must be registered in the clients file
 * where they run (SANDBOX_DPI_URL, SANDBOX_DMP_URL) and with the client authentication they use,
 * or their first sign-in would end in invalid_redirect_uri or invalid_client. Throws ConfigError
 * before anything starts: one line per demo application, naming the setting and the fix.
 */
import { ConfigError, type Config, type ConfigProblem } from '../config/index.ts';
import type { ClientMetadata } from '../oidc/index.ts';

interface DemoApp {
  clientId: string;
  name: string;
  /** Its URL setting: config key under sandbox, and environment variable. */
  urlKey: 'dpiUrl' | 'dmpUrl';
  env: string;
  authMethod: string;
  /** Its registration names its key at `${url}/jwks.json`. */
  jwks: boolean;
}

export const DEMO_APPS: readonly DemoApp[] = [
  { clientId: 'demo-dpi', name: 'the demo DPI', urlKey: 'dpiUrl', env: 'SANDBOX_DPI_URL', authMethod: 'client_secret_basic', jwks: false },
  { clientId: 'demo-dmp', name: 'the demo DMP-like service', urlKey: 'dmpUrl', env: 'SANDBOX_DMP_URL', authMethod: 'private_key_jwt', jwks: true },
];

const list = (value: unknown) => (Array.isArray(value) && value.length ? value.map((v) => JSON.stringify(v)).join(', ') : 'none');

/** What is wrong with one demo registration (its first mismatch, and the fix), or undefined. */
function mismatch(app: DemoApp, client: ClientMetadata | undefined, url: string): string | undefined {
  if (!client)
    return `${app.clientId} registered (${app.name} signs in as ${app.clientId}): copy its entry from config/clients.json, or leave CLIENTS_FILE unset`;
  const at = `registered as ${app.name} runs, at ${url} (${app.env})`;
  const fix = (path: string) =>
    `write "\${${app.env}}${path}" there (and \${${app.env}} in its other addresses, as config/clients.json does), or set ${app.env} to the address it is registered at`;
  const must = (field: string, actual: unknown, path: string, ok: boolean) => {
    if (ok) return undefined;
    const found = field.endsWith('uris') ? `are ${list(actual)}, without` : `is ${actual === undefined ? 'missing' : JSON.stringify(actual)}, not`;
    return `${app.clientId} ${at}: its ${field} ${found} "${url}${path}"; ${fix(path)}`;
  };
  const includes = (value: unknown, expected: string) => Array.isArray(value) && value.includes(expected);
  if (client.token_endpoint_auth_method !== app.authMethod) {
    return `${app.clientId} ${at} with "token_endpoint_auth_method": "${app.authMethod}" (${app.name} authenticates so), not ${JSON.stringify(client.token_endpoint_auth_method)}: copy its entry from config/clients.json`;
  }
  return (
    must('redirect_uris', client.redirect_uris, '/callback', includes(client.redirect_uris, `${url}/callback`)) ??
    must('post_logout_redirect_uris', client.post_logout_redirect_uris, '/', includes(client.post_logout_redirect_uris, `${url}/`)) ??
    must(
      'backchannel_logout_uri',
      client.backchannel_logout_uri,
      '/backchannel-logout',
      client.backchannel_logout_uri === undefined || client.backchannel_logout_uri === `${url}/backchannel-logout`,
    ) ??
    (app.jwks ? must('jwks_uri', client.jwks_uri, '/jwks.json', client.jwks_uri === `${url}/jwks.json`) : undefined)
  );
}

export function checkDemoRegistrations(config: Config, clients: readonly ClientMetadata[]): void {
  const problems: ConfigProblem[] = [];
  for (const app of DEMO_APPS) {
    const problem = mismatch(
      app,
      clients.find((c) => c.client_id === app.clientId),
      config.sandbox[app.urlKey],
    );
    if (problem) problems.push({ key: 'clients.file', env: 'CLIENTS_FILE', received: JSON.stringify(config.clients.file), expected: problem });
  }
  if (problems.length) throw new ConfigError(problems);
}
