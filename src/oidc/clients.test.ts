import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toClientMetadata } from './clients.ts';
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

  it('the repository file describes the two demo applications', async () => {
    const { readFileSync } = await import('node:fs');
    const data = JSON.parse(readFileSync('config/clients.json', 'utf8'));
    const clients = toClientMetadata(data, { DEMO_DPI_CLIENT_SECRET: 'd'.repeat(43) });
    assert.deepEqual(clients.map((c) => [c.client_id, c.token_endpoint_auth_method]), [['demo-dpi', 'client_secret_basic'], ['demo-dmp', 'private_key_jwt']]);
  });
});
