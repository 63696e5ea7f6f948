/**
 * Reads PSC's mutual TLS files (psc.tls) once at start-up: the client certificate and its key
 * for tls_client_auth, extra CA certificates for PSC's server. A missing, unreadable or non-PEM
 * file, or a key that is not the certificate's, is a ConfigError naming the variable; file
 * contents are never echoed, and the key is kept where no log or audit event can reach it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { getCACertificates } from 'node:tls';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { ConfigError, type Config, type ConfigProblem } from '../config/index.ts';

/** The certificate PSC authenticates the gateway by. The key is a private field: JSON, pino and util.inspect never show it. */
export class PscClientCertificate {
  /** Certificate, then any intermediate CA certificates, as PEM. */
  readonly certPem: string;
  /** Subject DN of the certificate (one attribute per line, as Node prints it). */
  readonly subject: string;
  readonly issuer: string;
  readonly notAfter: Date;
  readonly fingerprint256: string;
  readonly #keyPem: string;

  constructor(certPem: string, certificate: X509Certificate, keyPem: string) {
    this.certPem = certPem;
    this.subject = certificate.subject;
    this.issuer = certificate.issuer;
    this.notAfter = new Date(certificate.validTo);
    this.fingerprint256 = certificate.fingerprint256;
    this.#keyPem = keyPem;
  }

  /** `cert` and `key` for a TLS connection. */
  tlsOptions(): { cert: string; key: string } {
    return { cert: this.certPem, key: this.#keyPem };
  }
}

export interface PscTlsMaterial {
  /** Present with psc.authMethod tls_client_auth. */
  client: PscClientCertificate | undefined;
  /** The CA certificates Node trusts by default (its roots, NODE_EXTRA_CA_CERTS…) plus psc.tls.caFile's, when that file is set. */
  ca: string[] | undefined;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Undefined when no TLS setting applies (a client secret and Node's roots). */
export function readPscTlsFiles(psc: Config['psc'], cwd: string = process.cwd()): PscTlsMaterial | undefined {
  const problems: ConfigProblem[] = [];
  const problem = (key: string, env: string, path: string, expected: string) => problems.push({ key, env, received: JSON.stringify(path), expected });

  let client: PscClientCertificate | undefined;
  if (psc.authMethod === 'tls_client_auth' && psc.tls.certFile && psc.tls.keyFile) {
    const certText = readPem(psc.tls.certFile, cwd, (expected) => problem('psc.tls.certFile', 'PSC_TLS_CERT_FILE', psc.tls.certFile!, expected));
    const keyText = readPem(psc.tls.keyFile, cwd, (expected) => problem('psc.tls.keyFile', 'PSC_TLS_KEY_FILE', psc.tls.keyFile!, expected));
    const certificate =
      certText === undefined
        ? undefined
        : parseCertificates(certText, (expected) => problem('psc.tls.certFile', 'PSC_TLS_CERT_FILE', psc.tls.certFile!, expected))?.[0];
    const key = keyText === undefined ? undefined : parseKey(keyText, (expected) => problem('psc.tls.keyFile', 'PSC_TLS_KEY_FILE', psc.tls.keyFile!, expected));
    if (certificate && key) {
      if (!certificate.checkPrivateKey(key)) {
        problem(
          'psc.tls.keyFile',
          'PSC_TLS_KEY_FILE',
          psc.tls.keyFile,
          `the private key of the certificate in PSC_TLS_CERT_FILE (${psc.tls.certFile}); this key belongs to another certificate`,
        );
      } else {
        client = new PscClientCertificate(certText!, certificate, keyText!);
      }
    }
  }

  let ca: string[] | undefined;
  if (psc.tls.caFile) {
    const report = (expected: string) => problem('psc.tls.caFile', 'PSC_TLS_CA_FILE', psc.tls.caFile!, expected);
    const text = readPem(psc.tls.caFile, cwd, report);
    const extra = text === undefined ? undefined : parseCertificates(text, report);
    if (extra) ca = [...getCACertificates('default'), ...extra.map((c) => c.toString())];
  }

  if (problems.length) throw new ConfigError(problems);
  if (!client && !ca) return undefined;
  return { client, ca };
}

/** Warns of a certificate that PSC will soon refuse (or already does). */
export function expiryWarning(certificate: PscClientCertificate, now: number = Date.now()): string | undefined {
  const days = Math.floor((certificate.notAfter.getTime() - now) / 86_400_000);
  if (days < 0)
    return `the PSC client certificate (PSC_TLS_CERT_FILE) expired on ${certificate.notAfter.toISOString()}: PSC refuses it, sign-ins through PSC fail until it is renewed`;
  if (days < 30)
    return `the PSC client certificate (PSC_TLS_CERT_FILE) expires in ${days} day(s), on ${certificate.notAfter.toISOString()}: renew it with ANS and replace the files`;
  return undefined;
}

function readPem(path: string, cwd: string, report: (expected: string) => void): string | undefined {
  try {
    return readFileSync(resolve(cwd, path), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? "permission denied for the gateway's user"
          : code === 'EISDIR'
            ? 'a folder'
            : (code ?? 'unreadable');
    report(`a readable PEM file (${why})`);
    return undefined;
  }
}

/** Every certificate of a PEM file, in order; undefined (reported) when there is none or one does not parse. */
function parseCertificates(text: string, report: (expected: string) => void): X509Certificate[] | undefined {
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    report(
      'PEM certificates ("-----BEGIN CERTIFICATE-----"); this file has none (DER files must be converted: openssl x509 -inform der -in file.cer -out file.pem)',
    );
    return undefined;
  }
  const certificates: X509Certificate[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      certificates.push(new X509Certificate(block));
    } catch {
      report(`PEM certificates; certificate ${i + 1} of ${blocks.length} in this file cannot be read`);
      return undefined;
    }
  }
  return certificates;
}

function parseKey(text: string, report: (expected: string) => void): KeyObject | undefined {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
    report(
      "an unencrypted PEM private key; this one is protected by a passphrase (remove it: openssl pkey -in key.pem -out key-plain.pem, and keep the file readable by the gateway's user only)",
    );
    return undefined;
  }
  if (!/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(text)) {
    report('a PEM private key ("-----BEGIN PRIVATE KEY-----", "BEGIN RSA PRIVATE KEY" or "BEGIN EC PRIVATE KEY"); this file has none');
    return undefined;
  }
  try {
    return createPrivateKey(text);
  } catch {
    report('a PEM private key; the key in this file cannot be read');
    return undefined;
  }
}
