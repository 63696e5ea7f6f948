import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { loadClientsFile, serviceScopes, toClientMetadata } from './clients.ts';
import { clientPlaceholders, fillPlaceholders } from './client-placeholders.ts';
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
    assert.deepEqual(lines, [
      'config: clients[0].client_secret_env (DPI_SECRET) = (secret, 5 characters) — expected a secret of at least 32 characters in DPI_SECRET',
    ]);
  });

  it('names the entry and field of each problem', () => {
    const lines = problems([
      { ...good, redirect_uris: ['javascript:alert(1)'] },
      { ...good, token_endpoint_auth_method: 'private_key_jwt', client_secret_env: undefined },
    ]);
    assert.ok(lines.includes('config: clients[0].redirect_uris[0] = "javascript:alert(1)" — expected an http(s) URL'), lines.join('\n'));
    assert.ok(
      lines.some((l) => l.startsWith('config: clients[1].jwks_uri = (missing) — expected jwks_uri or jwks')),
      lines.join('\n'),
    );
  });

  it('refuses duplicate client ids and unknown fields', () => {
    assert.ok(problems([good, good], { DPI_SECRET: 's'.repeat(40) }).some((l) => l.includes('a client_id used only once')));
    assert.ok(problems([{ ...good, redirect_uri: 'x' }]).some((l) => l.includes('clients[0]')));
  });

  it('a machine client: client_credentials alone, service scopes, no redirect URI and no response type', () => {
    const machine = {
      client_id: 'dpi-backend',
      client_name: 'DPI (serveur)',
      grant_types: ['client_credentials'],
      scope: 'results:read results:write',
      client_secret_env: 'DPI_SECRET',
    };
    const [client] = toClientMetadata([machine], { DPI_SECRET: 's'.repeat(40) });
    assert.deepEqual(client!.grant_types, ['client_credentials']);
    assert.deepEqual(client!.response_types, [], 'with `code`, oidc-provider would add authorization_code back');
    assert.deepEqual(client!.redirect_uris, []);
    assert.deepEqual(serviceScopes([client!, { client_id: 'dpi', scope: 'openid profile scope_all' }]), ['results:read', 'results:write']);
  });

  it('keeps machine and sign-in clients apart: grant types, scopes, authentication, redirect URIs', () => {
    const env = { DPI_SECRET: 's'.repeat(40) };
    const machine = {
      client_id: 'dpi-backend',
      client_name: 'DPI (serveur)',
      grant_types: ['client_credentials'],
      scope: 'results:read',
      client_secret_env: 'DPI_SECRET',
    };
    const lines = problems(
      [
        { ...good, grant_types: ['authorization_code', 'client_credentials'] },
        { ...machine, scope: 'openid results:read' },
        { ...machine, scope: undefined },
        { ...machine, token_endpoint_auth_method: 'none', client_secret_env: undefined },
        { ...good, scope: 'openid results:read' },
        { ...good, redirect_uris: [] },
        { ...machine, scope: 'results"read' },
      ],
      env,
    );
    const at = (i: number, field: string) =>
      lines.find((l) => l.startsWith(`config: clients[${i}].${field} `)) ?? assert.fail(`no problem for clients[${i}].${field} in\n${lines.join('\n')}`);
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
    assert.equal('require_pushed_authorization_requests' in plain!, false, "not set: oidc-provider's default (false)");
    const machine = {
      client_id: 'dpi-backend',
      client_name: 'DPI (serveur)',
      grant_types: ['client_credentials'],
      scope: 'results:read',
      client_secret_env: 'DPI_SECRET',
    };
    const lines = problems(
      [
        { ...machine, require_pushed_authorization_requests: true },
        { ...good, dpop_bound_access_tokens: 'yes' },
      ],
      env,
    );
    assert.ok(
      lines.some((l) =>
        l.startsWith(
          'config: clients[0].require_pushed_authorization_requests = true — expected nothing here (a client_credentials client makes no authorization requests',
        ),
      ),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => l.startsWith('config: clients[1].dpop_bound_access_tokens')),
      lines.join('\n'),
    );
    const [dpopMachine] = toClientMetadata([{ ...machine, dpop_bound_access_tokens: true }], env);
    assert.equal(dpopMachine!.dpop_bound_access_tokens, true, 'a machine client may require DPoP for its tokens');
  });

  it("PSC's delegation client: private_key_jwt, one redirect host, never a machine client; given a pairwise subject", () => {
    const psc = {
      client_id: 'psc',
      client_name: 'PSC',
      psc_delegation: true,
      redirect_uris: ['https://auth.psc.example/broker/ch/endpoint'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: 'https://auth.psc.example/certs',
    };
    const [registered] = toClientMetadata([psc], {});
    assert.equal(registered!.subject_type, 'pairwise');
    const withSecret = problems([{ ...psc, token_endpoint_auth_method: 'client_secret_basic', client_secret_env: 'DPI_SECRET', jwks_uri: undefined }], {
      DPI_SECRET: 's'.repeat(40),
    });
    assert.ok(
      withSecret.some((l) => l.startsWith('config: clients[0].token_endpoint_auth_method') && l.includes('private_key_jwt')),
      withSecret.join('\n'),
    );
    const twoHosts = problems([{ ...psc, redirect_uris: [...psc.redirect_uris, 'https://other.example/cb'] }]);
    assert.ok(
      twoHosts.some((l) => l.startsWith('config: clients[0].redirect_uris') && l.includes('one host')),
      twoHosts.join('\n'),
    );
    assert.equal(toClientMetadata([good], { DPI_SECRET: 's'.repeat(40) })[0]!.subject_type, undefined, 'other clients keep the public subject');
  });

  it('the repository file describes the two demo applications where they run; the DMP-like one as a FAPI 2.0 client; PSC as the delegation client', () => {
    const placeholders = {
      SANDBOX_DPI_URL: 'http://localhost:4002',
      SANDBOX_DMP_URL: 'http://dmp.sandbox.example:8080',
      SANDBOX_PSC_URL: 'http://psc.sandbox.example',
    };
    const clients = loadClientsFile('config/clients.json', { DEMO_DPI_CLIENT_SECRET: 'd'.repeat(43) }, placeholders);
    assert.deepEqual(
      clients.map((c) => [c.client_id, c.token_endpoint_auth_method]),
      [
        ['demo-dpi', 'client_secret_basic'],
        ['demo-dmp', 'private_key_jwt'],
        ['psc-delegation', 'private_key_jwt'],
      ],
    );
    const psc = clients.find((c) => c.client_id === 'psc-delegation')!;
    assert.deepEqual(psc.redirect_uris, ['http://psc.sandbox.example/auth/realms/esante-wallet/broker/hospiconnect/endpoint']);
    assert.equal(psc.subject_type, 'pairwise', 'PSC gets a subject of its own, never the idNat');
    const dpi = clients.find((c) => c.client_id === 'demo-dpi')!;
    assert.deepEqual(dpi.redirect_uris, ['http://localhost:4002/callback']);
    assert.equal(dpi.backchannel_logout_uri, 'http://localhost:4002/backchannel-logout');
    const dmp = clients.find((c) => c.client_id === 'demo-dmp')!;
    assert.equal(dmp.jwks_uri, 'http://dmp.sandbox.example:8080/jwks.json');
    assert.equal(dmp.require_pushed_authorization_requests, true, 'FAPI 2.0: PAR');
    assert.equal(dmp.dpop_bound_access_tokens, true, 'FAPI 2.0: sender-constrained access tokens');
  });
});

describe("clients.json placeholders (the sandbox demo applications' addresses)", () => {
  const entry = { ...good, redirect_uris: ['${SANDBOX_DPI_URL}/callback'], post_logout_redirect_uris: ['${SANDBOX_DPI_URL}/'] };
  const refusal = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return err.problems.map(formatProblem);
    }
    assert.fail('expected a refusal');
  };

  it('fills in a placeholder at the start of an address, and leaves everything else as written', () => {
    const data = [{ ...entry, client_name: 'DPI ${SANDBOX_DPI_URL}' }];
    const [filled] = fillPlaceholders(data, { SANDBOX_DPI_URL: 'http://localhost:4002' }, 'clients') as Record<string, unknown>[];
    assert.deepEqual(filled!.redirect_uris, ['http://localhost:4002/callback']);
    assert.deepEqual(filled!.post_logout_redirect_uris, ['http://localhost:4002/']);
    assert.equal(filled!.client_name, 'DPI ${SANDBOX_DPI_URL}');
    assert.deepEqual(entry.redirect_uris, ['${SANDBOX_DPI_URL}/callback'], 'the parsed file is not changed');
  });

  it('refuses a name it does not know, naming the entry and the known ones', () => {
    const lines = refusal(() =>
      fillPlaceholders(
        [{ ...good, redirect_uris: ['${DPI_URL}/callback'] }],
        { SANDBOX_DPI_URL: 'http://localhost:3002', SANDBOX_DMP_URL: 'http://localhost:3003' },
        'clients',
      ),
    );
    assert.deepEqual(lines, [
      'config: clients[0].redirect_uris[0] = "${DPI_URL}/callback" — expected an address, or one of ${SANDBOX_DPI_URL}, ${SANDBOX_DMP_URL} followed by a path (the sandbox\'s demo applications)',
    ]);
  });

  it('in production, fills in nothing: the file is refused as before, with the reason', () => {
    const production = { env: 'production', sandbox: { dpiUrl: 'http://localhost:3002', dmpUrl: 'http://localhost:3003' } } as unknown as Parameters<
      typeof clientPlaceholders
    >[0];
    assert.equal(clientPlaceholders(production), undefined);
    const lines = refusal(() => toClientMetadata(fillPlaceholders([entry], undefined, 'clients'), { DPI_SECRET: 's'.repeat(40) }));
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(
      lines[0]!,
      /^config: clients\[0\]\.redirect_uris\[0\] = "\$\{SANDBOX_DPI_URL\}\/callback" — expected the application's own URL: \$\{…\} names a sandbox demo application's address, filled in outside production only$/,
    );
    const repository = refusal(() => loadClientsFile('config/clients.json', { DEMO_DPI_CLIENT_SECRET: 'd'.repeat(43) }, undefined));
    assert.equal(repository.length, 9, 'every demo address of the repository file');
  });
});
