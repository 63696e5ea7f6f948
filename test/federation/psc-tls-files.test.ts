/**
 * Reading PSC's mutual TLS files (src/federation/psc-tls-files.ts) with a throwaway openssl
 * PKI: what a good set gives, a clear ConfigError for each kind of bad file, a private key that
 * no serialisation shows, and the certificate expiry warning.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getCACertificates } from 'node:tls';
import { execFileSync } from 'node:child_process';
import { pino } from 'pino';
import { ConfigError, formatProblem, type Config } from '../../src/config/index.ts';
import { expiryWarning, readPscTlsFiles } from '../../src/federation/psc-tls-files.ts';
import { createTestPki, type PemPair, type TestCa, type TestPki } from '../support/test-pki.ts';

let pki: TestPki;
let ca: TestCa;
let gateway: PemPair;

beforeAll(() => {
  pki = createTestPki();
  ca = pki.ca('files-ca');
  gateway = ca.issue('gateway', '/C=FR/O=CH de Demonstration/CN=hospiconnect-gateway');
});
afterAll(() => pki.remove());

function psc(tls: Config['psc']['tls'], authMethod: Config['psc']['authMethod'] = 'tls_client_auth'): Config['psc'] {
  return { authMethod, tls } as Config['psc'];
}

function problems(settings: Config['psc']): string[] {
  try {
    readPscTlsFiles(settings);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems.map(formatProblem);
  }
  assert.fail('expected the files to be refused');
}

function file(name: string, content: string): string {
  const path = join(pki.dir, name);
  writeFileSync(path, content);
  return path;
}

describe('readPscTlsFiles', () => {
  it("gives the client certificate, and the CA certificates Node trusts plus the CA file's", () => {
    const material = readPscTlsFiles(psc({ certFile: gateway.certFile, keyFile: gateway.keyFile, caFile: ca.certFile }))!;
    assert.match(material.client!.subject, /CN=hospiconnect-gateway/);
    assert.equal(material.client!.tlsOptions().cert, gateway.cert);
    assert.equal(material.client!.tlsOptions().key, gateway.key);
    assert.equal(material.ca!.length, getCACertificates('default').length + 1);
    const flat = (pem: string) => pem.replace(/\s/g, '');
    assert.ok(
      material.ca!.some((c) => flat(c) === flat(ca.cert)),
      'the test CA is trusted',
    );
  });

  it('gives nothing for a client secret without a CA file, and only the CA with one', () => {
    assert.equal(readPscTlsFiles(psc({}, 'client_secret_basic')), undefined);
    const material = readPscTlsFiles(psc({ caFile: ca.certFile }, 'client_secret_basic'))!;
    assert.equal(material.client, undefined);
    assert.equal(material.ca!.length, getCACertificates('default').length + 1);
  });

  it('never shows the private key in JSON, logs or inspection', () => {
    const material = readPscTlsFiles(psc({ certFile: gateway.certFile, keyFile: gateway.keyFile }))!;
    const keyBody = gateway.key.split('\n')[1]!;
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      {
        write: (line: string) => {
          lines.push(line);
        },
      },
    );
    logger.info({ material, client: material.client }, 'material');
    for (const text of [JSON.stringify(material), inspect(material, { depth: 10, showHidden: true }), lines.join('')]) {
      assert.ok(!text.includes(keyBody), `the key leaks: ${text.slice(0, 200)}`);
      assert.ok(!text.includes('PRIVATE KEY'), 'no key marker either');
    }
  });

  it('names a missing or unreadable file and its variable', () => {
    assert.deepEqual(problems(psc({ certFile: join(pki.dir, 'absent.crt'), keyFile: gateway.keyFile })), [
      `config: psc.tls.certFile (PSC_TLS_CERT_FILE) = ${JSON.stringify(join(pki.dir, 'absent.crt'))} — expected a readable PEM file (no such file)`,
    ]);
    assert.match(
      problems(psc({ certFile: gateway.certFile, keyFile: pki.dir }))[0]!,
      /^config: psc\.tls\.keyFile \(PSC_TLS_KEY_FILE\) = .* — expected a readable PEM file \(a folder\)$/,
    );
    assert.match(
      problems(psc({ caFile: join(pki.dir, 'absent-ca.pem') }, 'client_secret_basic'))[0]!,
      /^config: psc\.tls\.caFile \(PSC_TLS_CA_FILE\) = .* — expected a readable PEM file \(no such file\)$/,
    );
  });

  it('refuses files that are not PEM, without echoing them', () => {
    const der = join(pki.dir, 'gateway.der');
    execFileSync('/usr/bin/openssl', ['x509', '-in', gateway.certFile, '-outform', 'der', '-out', der]);
    const lines = problems(psc({ certFile: der, keyFile: file('junk.key', 'not a key at all'), caFile: file('junk-ca.pem', 'neither a certificate') }));
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(
      lines[0]!,
      /^config: psc\.tls\.certFile \(PSC_TLS_CERT_FILE\) = .* — expected PEM certificates .*this file has none \(DER files must be converted/,
    );
    assert.match(lines[1]!, /^config: psc\.tls\.keyFile \(PSC_TLS_KEY_FILE\) = .* — expected a PEM private key .*this file has none$/);
    assert.match(lines[2]!, /^config: psc\.tls\.caFile \(PSC_TLS_CA_FILE\) = .* — expected PEM certificates/);
    assert.ok(lines.every((l) => !l.includes('not a key at all') && !l.includes('neither a certificate')));
    const broken = file('broken.crt', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    assert.match(problems(psc({ certFile: broken, keyFile: gateway.keyFile }))[0]!, /certificate 1 of 1 in this file cannot be read$/);
  });

  it('refuses a key that belongs to another certificate, or one under a passphrase', () => {
    const stranger = ca.issue('stranger', '/CN=stranger');
    assert.match(
      problems(psc({ certFile: gateway.certFile, keyFile: stranger.keyFile }))[0]!,
      /^config: psc\.tls\.keyFile \(PSC_TLS_KEY_FILE\) = .* — expected the private key of the certificate in PSC_TLS_CERT_FILE \(.*gateway\.crt\); this key belongs to another certificate$/,
    );
    const encrypted = join(pki.dir, 'encrypted.key');
    execFileSync('/usr/bin/openssl', ['pkey', '-in', gateway.keyFile, '-aes256', '-passout', 'pass:secret-pass', '-out', encrypted]);
    const line = problems(psc({ certFile: gateway.certFile, keyFile: encrypted }))[0]!;
    assert.match(line, /expected an unencrypted PEM private key; this one is protected by a passphrase/);
  });
});

describe('expiryWarning', () => {
  it('warns 30 days ahead and once expired, not before', () => {
    const material = readPscTlsFiles(psc({ certFile: gateway.certFile, keyFile: gateway.keyFile }))!;
    const notAfter = material.client!.notAfter.getTime();
    assert.equal(expiryWarning(material.client!, notAfter - 31 * 86_400_000), undefined);
    assert.match(expiryWarning(material.client!, notAfter - 10 * 86_400_000) ?? '', /expires in 10 day\(s\)/);
    assert.match(expiryWarning(material.client!, notAfter + 1000) ?? '', /expired on .*PSC refuses it/);
  });
});
