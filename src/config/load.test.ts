import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError, formatProblem } from './index.ts';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems.map(formatProblem);
  }
  assert.fail('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('gives safe development defaults with no environment', () => {
    const config = loadConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), 'cfg-')) });
    assert.equal(config.issuer, 'http://localhost:3000');
    assert.equal(config.sandbox.enabled, true);
    assert.equal(config.redis.url, undefined);
    assert.equal(config.psc.discovery, 'wallet');
    assert.equal(config.psc.acrValues, 'eidas1');
    assert.equal(config.psc.timeoutMs, 5000);
  });

  it('reads a JSON file, then lets the environment win', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'gateway.json'), JSON.stringify({ http: { port: 4000 }, psc: { timeoutMs: 2000 } }));
    const config = loadConfig({ env: { CONFIG_FILE: 'gateway.json', PSC_TIMEOUT_MS: '3000' }, cwd: dir });
    assert.equal(config.http.port, 4000);
    assert.equal(config.psc.timeoutMs, 3000);
  });

  it('names the key, the environment variable, the value and the expectation, one line per problem', () => {
    const lines = problemsOf(() => loadConfig({ env: { PORT: 'abc', ISSUER: 'ftp://x', REDIS_PREFIX: 'a{b}' } }));
    assert.deepEqual(
      lines.sort(),
      [
        'config: http.port (PORT) = "abc" — expected a value of type number',
        'config: issuer (ISSUER) = "ftp://x" — expected an http(s) URL',
        'config: redis.prefix (REDIS_PREFIX) = "a{b}" — expected letters, digits and _ . : - only (braces are Redis Cluster hash tags)',
      ].sort(),
    );
  });

  it('never prints a secret value', () => {
    const lines = problemsOf(() => loadConfig({ env: { PSC_CLIENT_SECRET: 'tooshort', COOKIE_KEYS: 'abc' } }));
    assert.ok(
      lines.some((l) => l.includes('psc.clientSecret (PSC_CLIENT_SECRET) = (secret, 8 characters)')),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => l.includes('cookieKeys.0 (COOKIE_KEYS) = (secret, 3 characters)')),
      lines.join('\n'),
    );
    assert.ok(lines.every((l) => !l.includes('tooshort') && !l.includes('"abc"')));
  });

  it('names unknown keys in the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'gateway.json'), JSON.stringify({ psc: { issuerr: 'x' } }));
    const lines = problemsOf(() => loadConfig({ env: { CONFIG_FILE: 'gateway.json' }, cwd: dir }));
    assert.match(lines[0]!, /^config: psc\.issuerr = "x" — expected no such key/);
  });

  it('reports an unreadable or invalid file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    assert.match(problemsOf(() => loadConfig({ env: { CONFIG_FILE: 'bad.json' }, cwd: dir }))[0]!, /CONFIG_FILE = .*valid JSON/);
    assert.match(
      problemsOf(() => loadConfig({ env: { CONFIG_FILE: 'missing.json' }, cwd: dir }))[0]!,
      /CONFIG_FILE = "missing\.json" — expected a readable JSON file/,
    );
  });

  it('refuses unsafe production settings all at once', () => {
    const lines = problemsOf(() => loadConfig({ env: { NODE_ENV: 'production', ISSUER: 'http://gw.example', RATE_LIMITS: 'false' } }));
    assert.equal(lines.length, 7, lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('config: limits.enabled (RATE_LIMITS) = false')));
    assert.ok(lines.some((l) => l.startsWith('config: http.trustProxy (TRUST_PROXY) = false')));
    assert.ok(lines.some((l) => l.startsWith('config: audit.macKey (AUDIT_MAC_KEY) = (missing)')));
    assert.ok(lines.some((l) => l.startsWith('config: redis.url (REDIS_URL) = (missing)')));
    assert.ok(lines.some((l) => l.startsWith('config: issuer (ISSUER) = "http://gw.example"')));
    assert.ok(lines.some((l) => l.startsWith('config: psc.issuer (PSC_ISSUER)')));
    assert.ok(lines.some((l) => l.startsWith('config: psc.clientSecret (PSC_CLIENT_SECRET) = (missing)')));
  });

  it('with tls_client_auth, requires the certificate and key files, naming their variables', () => {
    const lines = problemsOf(() => loadConfig({ env: { PSC_AUTH_METHOD: 'tls_client_auth' } }));
    assert.deepEqual(lines, [
      'config: psc.tls.certFile (PSC_TLS_CERT_FILE) = (missing) — expected the PEM file of the client certificate PSC knows for this establishment, because PSC_AUTH_METHOD is tls_client_auth',
      "config: psc.tls.keyFile (PSC_TLS_KEY_FILE) = (missing) — expected the PEM file of that certificate's private key (unencrypted), because PSC_AUTH_METHOD is tls_client_auth",
    ]);
    const config = loadConfig({
      env: { PSC_AUTH_METHOD: 'tls_client_auth', PSC_TLS_CERT_FILE: 'tls/gw.crt', PSC_TLS_KEY_FILE: 'tls/gw.key', PSC_TLS_CA_FILE: 'tls/ca.pem' },
    });
    assert.deepEqual(config.psc.tls, { certFile: 'tls/gw.crt', keyFile: 'tls/gw.key', caFile: 'tls/ca.pem' });
  });

  it('refuses certificate files with a client secret method (they would not be presented)', () => {
    const lines = problemsOf(() => loadConfig({ env: { PSC_AUTH_METHOD: 'client_secret_post', PSC_TLS_CERT_FILE: 'tls/gw.crt' } }));
    assert.deepEqual(lines, [
      'config: psc.tls.certFile (PSC_TLS_CERT_FILE) = "tls/gw.crt" — expected no value, since PSC_AUTH_METHOD is client_secret_post (the client certificate is only presented with PSC_AUTH_METHOD=tls_client_auth)',
    ]);
    // The CA file is about PSC's server certificate: it applies with any method.
    assert.equal(loadConfig({ env: { PSC_TLS_CA_FILE: 'tls/ca.pem' } }).psc.tls.caFile, 'tls/ca.pem');
  });

  const production = {
    NODE_ENV: 'production',
    ISSUER: 'https://hospiconnect.chu.example',
    REDIS_URL: 'rediss://redis.chu.example:6380',
    TRUST_PROXY: '10.0.0.5',
    PSC_ISSUER: 'https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet',
    AUDIT_MAC_KEY: 'k'.repeat(32),
  };

  it('accepts tls_client_auth in production without PSC_CLIENT_SECRET', () => {
    const config = loadConfig({
      env: { ...production, PSC_AUTH_METHOD: 'tls_client_auth', PSC_TLS_CERT_FILE: '/etc/hospiconnect/psc.crt', PSC_TLS_KEY_FILE: '/etc/hospiconnect/psc.key' },
    });
    assert.equal(config.psc.authMethod, 'tls_client_auth');
    assert.equal(config.psc.clientSecret, undefined);
  });

  it('still requires PSC_CLIENT_SECRET in production with a client secret method', () => {
    for (const method of ['client_secret_basic', 'client_secret_post']) {
      const lines = problemsOf(() => loadConfig({ env: { ...production, PSC_AUTH_METHOD: method } }));
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(
        lines[0]!,
        new RegExp(
          `^config: psc\\.clientSecret \\(PSC_CLIENT_SECRET\\) = \\(missing\\) — expected the client secret PSC issued to this establishment \\(PSC_AUTH_METHOD is ${method};`,
        ),
      );
    }
  });

  it('accepts a complete production configuration', () => {
    const config = loadConfig({
      env: {
        NODE_ENV: 'production',
        ISSUER: 'https://hospiconnect.chu.example',
        REDIS_URL: 'rediss://redis.chu.example:6380',
        TRUST_PROXY: '10.0.0.5',
        PSC_ISSUER: 'https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet',
        PSC_CLIENT_SECRET: 'x'.repeat(32),
        AUDIT_MAC_KEY: 'k'.repeat(32),
      },
    });
    assert.equal(config.sandbox.enabled, false);
    assert.equal(config.env, 'production');
  });
});
