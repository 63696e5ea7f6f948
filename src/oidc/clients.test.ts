import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serviceScopes, toClientMetadata } from './clients.ts';
import { ConfigError, formatProblem } from '../config/index.ts';

const good = { client_id: 'dpi', client_name: 'DPI', redirect_uris: ['https://dpi.chu.example/cb'], client_secret_env: 'DPI_SECRET' };

function problems(data: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    toClientMetadata(data, env, 'clients');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems.map(formatProblem);
  }
  assert.fail('expected the clients to be refused');
}

describe('clients.json', () => {
  it('reads the secret from the named environment variable', () => {
    const [client] = toClientMetadata([good], { DPI_SECRET: 's'.repeat(40) });
    assert.equal(client!.client_secret, 's'.repeat(40));
    assert.equal(client!.first_party, false);
    assert.deepEqual(client!.response_types, ['code']);
    assert.equal('client_secret_env' in client!, false);
  });

  it('refuses a missing or short secret without printing it', () => {
    const lines = problems([good], { DPI_SECRET: 'short' });
    assert.deepEqual(lines, ['config: clients[0].client_secret_env (DPI_SECRET) = (secret, 5 characters) — expected a secret of at least 32 characters in DPI_SECRET']);
  });

  it('names the entry and field of each problem', () => {
    const lines = problems([{ ...good, redirect_uris: ['javascript:alert(1)'] }, { ...good, token_endpoint_auth_method: 'private_key_jwt', client_secret_env: undefined }]);
    assert.ok(lines.includes('config: clients[0].redirect_uris[0] = "javascript:alert(1)" — expected an http(s) URL'), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('config: clients[1].jwks_uri = (missing) — expected jwks_uri or jwks')), lines.join('\n'));
  });

  it('refuses duplicate client ids and unknown fields', () => {
    assert.ok(problems([good, good], { DPI_SECRET: 's'.repeat(40) }).some((l) => l.includes('a client_id used only once')));
    assert.ok(problems([{ ...good, redirect_uri: 'x' }]).some((l) => l.includes('clients[0]')));
  });

  it('a machine client: client_credentials alone, service scopes, no redirect URI and no response type', () => {
    const machine = { client_id: 'dpi-backend', client_name: 'DPI (serveur)', grant_types: ['client_credentials'], scope: 'results:read results:write', client_secret_env: 'DPI_SECRET' };
    const [client] = toClientMetadata([machine], { DPI_SECRET: 's'.repeat(40) });
    assert.deepEqual(client!.grant_types, ['client_credentials']);
    assert.deepEqual(client!.response_types, [], 'with `code`, oidc-provider would add authorization_code back');
    assert.deepEqual(client!.redirect_uris, []);
    assert.deepEqual(serviceScopes([client!, { client_id: 'dpi', scope: 'openid profile scope_all' }]), ['results:read', 'results:write']);
  });

  it('keeps machine and sign-in clients apart: grant types, scopes, authentication, redirect URIs', () => {
    const env = { DPI_SECRET: 's'.repeat(40) };
    const machine = { client_id: 'dpi-backend', client_name: 'DPI (serveur)', grant_types: ['client_credentials'], scope: 'results:read', client_secret_env: 'DPI_SECRET' };
    const lines = problems([
      { ...good, grant_types: ['authorization_code', 'client_credentials'] },
      { ...machine, scope: 'openid results:read' },
      { ...machine, scope: undefined },
      { ...machine, token_endpoint_auth_method: 'none', client_secret_env: undefined },
      { ...good, scope: 'openid results:read' },
      { ...good, redirect_uris: [] },
      { ...machine, scope: 'results"read' },
    ], env);
    const at = (i: number, field: string) => lines.find((l) => l.startsWith(`config: clients[${i}].${field} `)) ?? assert.fail(`no problem for clients[${i}].${field} in\n${lines.join('\n')}`);
    assert.match(at(0, 'grant_types'), /client_credentials"\] alone/);
    assert.match(at(1, 'scope'), /no openid, profile, scope_all, offline_access/);
    assert.match(at(2, 'scope'), /one or more service scopes/);
    assert.match(at(3, 'token_endpoint_auth_method'), /confidential clients/);
    assert.match(at(4, 'scope'), /OpenID scopes only .*"results:read"/);
    assert.match(at(5, 'redirect_uris'), /at least one redirect URI/);
    assert.match(at(6, 'scope'), /scope names/);
  });

  it('passes PAR and DPoP requirements (RFC 9126 §5, RFC 9449 §5.2) to oidc-provider; PAR is for sign-in clients only', () => {
    const env = { DPI_SECRET: 's'.repeat(40) };
    const [client] = toClientMetadata([{ ...good, require_pushed_authorization_requests: true, dpop_bound_access_tokens: true }], env);
    assert.equal(client!.require_pushed_authorization_requests, true);
    assert.equal(client!.dpop_bound_access_tokens, true);
    const [plain] = toClientMetadata([good], env);
    assert.equal('require_pushed_authorization_requests' in plain!, false, 'not set: oidc-provider\'s default (false)');
    const machine = { client_id: 'dpi-backend', client_name: 'DPI (serveur)', grant_types: ['client_credentials'], scope: 'results:read', client_secret_env: 'DPI_SECRET' };
    const lines = problems([{ ...machine, require_pushed_authorization_requests: true }, { ...good, dpop_bound_access_tokens: 'yes' }], env);
    assert.ok(lines.some((l) => l.startsWith('config: clients[0].require_pushed_authorization_requests = true — expected nothing here (a client_credentials client makes no authorization requests')), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('config: clients[1].dpop_bound_access_tokens')), lines.join('\n'));
    const [dpopMachine] = toClientMetadata([{ ...machine, dpop_bound_access_tokens: true }], env);
    assert.equal(dpopMachine!.dpop_bound_access_tokens, true, 'a machine client may require DPoP for its tokens');
  });

  it('the repository file describes the two demo applications; the DMP-like one as a FAPI 2.0 client', async () => {
    const { readFileSync } = await import('node:fs');
    const data = JSON.parse(readFileSync('config/clients.json', 'utf8'));
    const clients = toClientMetadata(data, { DEMO_DPI_CLIENT_SECRET: 'd'.repeat(43) });
    assert.deepEqual(clients.map((c) => [c.client_id, c.token_endpoint_auth_method]), [['demo-dpi', 'client_secret_basic'], ['demo-dmp', 'private_key_jwt']]);
    const dmp = clients.find((c) => c.client_id === 'demo-dmp')!;
    assert.equal(dmp.require_pushed_authorization_requests, true, 'FAPI 2.0: PAR');
    assert.equal(dmp.dpop_bound_access_tokens, true, 'FAPI 2.0: sender-constrained access tokens');
  });
});
