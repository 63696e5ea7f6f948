import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, formatProblem, loadConfig } from './index.ts';

const load = (env: NodeJS.ProcessEnv) => loadConfig({ env, cwd: mkdtempSync(join(tmpdir(), 'cfg-')) });

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    load(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems.map(formatProblem);
  }
  assert.fail('expected the configuration to be refused');
}

describe('listen addresses and public URLs', () => {
  it('defaults every URL from its port, on localhost', () => {
    const config = load({});
    assert.equal(config.issuer, 'http://localhost:3000');
    assert.deepEqual(
      [config.sandbox.pscUrl, config.sandbox.dpiUrl, config.sandbox.dmpUrl],
      ['http://localhost:3001', 'http://localhost:3002', 'http://localhost:3003'],
    );
  });

  it('follows the ports that are set, and never sends anyone to a wildcard listen address', () => {
    const config = load({
      HOST: '0.0.0.0',
      PORT: '4000',
      SANDBOX_HOST: '0.0.0.0',
      SANDBOX_PSC_PORT: '4001',
      SANDBOX_DPI_PORT: '4002',
      SANDBOX_DMP_PORT: '4003',
    });
    assert.equal(config.http.host, '0.0.0.0', 'it still listens there');
    assert.equal(config.issuer, 'http://localhost:4000');
    assert.deepEqual(
      [config.sandbox.pscUrl, config.sandbox.dpiUrl, config.sandbox.dmpUrl],
      ['http://localhost:4001', 'http://localhost:4002', 'http://localhost:4003'],
    );
    assert.equal(load({ SANDBOX_HOST: '10.1.2.3' }).sandbox.dpiUrl, 'http://10.1.2.3:3002', 'a named listen address is reachable as such');
    assert.equal(load({ SANDBOX_HOST: '::' }).sandbox.dpiUrl, 'http://localhost:3002');
    assert.equal(load({ HOST: '127.0.0.1', PORT: '4000' }).issuer, 'http://localhost:4000', 'loopback is localhost (an IP address cannot be a WebAuthn RP ID)');
  });

  it('takes the URLs people use when they are set (a port mapping, a proxy), trailing slash dropped', () => {
    const config = load({
      PORT: '4000',
      ISSUER: 'http://gateway.sandbox.example',
      SANDBOX_DPI_PORT: '4002',
      SANDBOX_PSC_URL: 'http://psc.sandbox.example:8001',
      SANDBOX_DPI_URL: 'http://dpi.sandbox.example/',
      SANDBOX_DMP_URL: 'https://dmp.sandbox.example',
    });
    assert.equal(config.issuer, 'http://gateway.sandbox.example');
    assert.deepEqual(
      [config.sandbox.pscUrl, config.sandbox.dpiUrl, config.sandbox.dmpUrl],
      ['http://psc.sandbox.example:8001', 'http://dpi.sandbox.example', 'https://dmp.sandbox.example'],
    );
    assert.equal(config.sandbox.dpiPort, 4002);
  });

  it('refuses a listen address as a URL, a URL with a path, and a sandbox port left to chance', () => {
    const lines = problemsOf({
      ISSUER: 'http://0.0.0.0:3000',
      SANDBOX_DPI_URL: 'http://0.0.0.0:3002',
      SANDBOX_DMP_URL: 'http://localhost:3003/dmp',
      SANDBOX_PSC_PORT: '0',
    });
    assert.deepEqual(lines.sort(), [
      'config: issuer (ISSUER) = "http://0.0.0.0:3000" — expected the address people and the other peers reach it at, e.g. http://localhost:3000: 0.0.0.0 and :: are addresses to listen on (HOST, SANDBOX_HOST), not to be sent to',
      'config: sandbox.dmpUrl (SANDBOX_DMP_URL) = "http://localhost:3003/dmp" — expected an origin with no path, e.g. http://localhost:3002 (the demo applications and the PSC simulator are served at the root)',
      'config: sandbox.dpiUrl (SANDBOX_DPI_URL) = "http://0.0.0.0:3002" — expected the address people and the other peers reach it at, e.g. http://localhost:3000: 0.0.0.0 and :: are addresses to listen on (HOST, SANDBOX_HOST), not to be sent to',
      'config: sandbox.pscPort (SANDBOX_PSC_PORT) = "0" — expected at least 1',
    ]);
  });
});
