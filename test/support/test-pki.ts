/**
 * A throwaway PKI for mutual TLS tests, made with the openssl command line in a fresh temporary
 * folder: certificate authorities, a server certificate for localhost, client certificates with
 * a chosen subject. Every file is PEM; paths and contents are returned.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PemPair {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

export interface TestCa extends PemPair {
  /**
   * Issues a certificate signed by this CA. `subject` in openssl's form (UTF-8), e.g. `/C=FR/O=CH/CN=gw`.
   * `extensions` (openssl extension lines) replace the TLS ones (client or server use): e.g. a
   * WebAuthn attestation certificate or an MDS BLOB signer.
   */
  issue(name: string, subject: string, options?: { serverNames?: string[]; rsa?: boolean; extensions?: string[] }): PemPair;
}

export interface TestPki {
  dir: string;
  /** A new self-signed certificate authority. */
  ca(name: string): TestCa;
  remove(): void;
}

const OPENSSL = '/usr/bin/openssl';

function openssl(args: string[], cwd: string): void {
  execFileSync(OPENSSL, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'hc-pki-'));
  const pair = (name: string): PemPair => {
    const certFile = join(dir, `${name}.crt`);
    const keyFile = join(dir, `${name}.key`);
    return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  };
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

  return {
    dir,
    ca(name) {
      openssl(
        [
          'req',
          '-x509',
          ...ecKey,
          '-nodes',
          '-keyout',
          `${name}.key`,
          '-out',
          `${name}.crt`,
          '-days',
          '2',
          '-subj',
          `/C=FR/O=Test PKI/CN=${name}`,
          '-addext',
          'basicConstraints=critical,CA:TRUE',
          '-addext',
          'keyUsage=critical,keyCertSign,cRLSign',
        ],
        dir,
      );
      const ca = pair(name);
      return {
        ...ca,
        issue(leaf, subject, options = {}) {
          const extensions = options.extensions
            ? ['basicConstraints=critical,CA:FALSE', ...options.extensions].join('\n')
            : [
                'basicConstraints=critical,CA:FALSE',
                options.serverNames
                  ? `extendedKeyUsage=serverAuth\nsubjectAltName=${options.serverNames.map((n) => (/^[\d.:]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',')}`
                  : 'extendedKeyUsage=clientAuth',
              ].join('\n');
          writeFileSync(join(dir, `${leaf}.ext`), `${extensions}\n`);
          const newKey = options.rsa ? ['-newkey', 'rsa:2048'] : ecKey;
          openssl(['req', ...newKey, '-nodes', '-keyout', `${leaf}.key`, '-out', `${leaf}.csr`, '-utf8', '-subj', subject], dir);
          openssl(
            [
              'x509',
              '-req',
              '-in',
              `${leaf}.csr`,
              '-CA',
              `${name}.crt`,
              '-CAkey',
              `${name}.key`,
              '-CAcreateserial',
              '-out',
              `${leaf}.crt`,
              '-days',
              '2',
              '-extfile',
              `${leaf}.ext`,
            ],
            dir,
          );
          return pair(leaf);
        },
      };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
