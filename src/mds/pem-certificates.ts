/**
 * Reads a file of PEM certificates (trust roots: the FIDO MDS root, an establishment's key
 * roots). Throws PemFileError with a one-line reason — missing or unreadable file, no
 * certificate, one that does not parse — never the file's contents.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { X509Certificate } from 'node:crypto';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export class PemFileError extends Error {
  /** What the file should be, for a ConfigError's "expected" or a CLI line. */
  readonly expected: string;
  constructor(path: string, expected: string) {
    super(`${path}: expected ${expected}`);
    this.name = 'PemFileError';
    this.expected = expected;
  }
}

/** The certificates of the file, as PEM blocks, in order (at least one). */
export function readPemCertificates(path: string, cwd: string = process.cwd()): string[] {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, path), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a folder' : (code ?? 'unreadable');
    throw new PemFileError(path, `a readable PEM file (${why})`);
  }
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    throw new PemFileError(
      path,
      'PEM certificates ("-----BEGIN CERTIFICATE-----"); this file has none (convert DER with: openssl x509 -inform der -in root.cer -out root.pem)',
    );
  }
  for (const [i, block] of blocks.entries()) {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(block);
    } catch {
      throw new PemFileError(path, `PEM certificates; certificate ${i + 1} of ${blocks.length} cannot be read`);
    }
    if (!certificate.ca)
      throw new PemFileError(
        path,
        `root (CA) certificates; certificate ${i + 1} of ${blocks.length} (${certificate.subject.replace(/\n/g, ', ')}) is not a CA`,
      );
  }
  return blocks.map((block) => `${block}\n`);
}
