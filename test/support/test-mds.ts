/**
 * A test FIDO Metadata Service: BLOBs signed like MDS3 (a JWS, ES256, the signer's chain in
 * the x5c header) by a signer certificate of a test root, and the attestation certificates a
 * vendor gives its keys (OU "Authenticator Attestation", the AAGUID extension). Certificates
 * come from test-pki.ts (openssl); nothing here verifies anything.
 */
import { createPrivateKey, sign, X509Certificate } from 'node:crypto';
import type { PemPair, TestCa, TestPki } from './test-pki.ts';

/** id-fido-gen-ce-aaguid: the AAGUID of the model, in a vendor's attestation certificate. */
const AAGUID_EXTENSION = '1.3.6.1.4.1.45724.1.1.4';

export function der(pem: string): Uint8Array {
  return new Uint8Array(new X509Certificate(pem).raw);
}

export function base64Der(pem: string): string {
  return Buffer.from(der(pem)).toString('base64');
}

/** A BLOB signer certificate issued by `root` (what FIDO's MDS signs with). */
export function mdsSigner(root: TestCa, name = 'mds-signer'): PemPair {
  return root.issue(name, '/C=US/O=Test FIDO Alliance/CN=Test MDS BLOB signer', { extensions: ['keyUsage=critical,digitalSignature'] });
}

/** An attestation certificate of a key model, as a vendor puts in its keys. */
export function attestationCertificate(ca: TestCa, name: string, aaguid: string): PemPair {
  const hex = aaguid.replace(/-/g, '').match(/../g)!.join(':');
  return ca.issue(name, `/C=FR/O=Test Vendor/OU=Authenticator Attestation/CN=${name}`, {
    extensions: ['keyUsage=critical,digitalSignature', `${AAGUID_EXTENSION}=DER:04:10:${hex}`],
  });
}

export interface TestEntry {
  aaguid: string;
  /** PEM roots of the model's attestation certificates. */
  roots: string[];
  /** Status reports, oldest first. Default ['FIDO_CERTIFIED_L1']. */
  statuses?: string[];
  description?: string;
}

export interface TestPayload {
  no: number;
  /** YYYY-MM-DD. Default: 30 days from now. */
  nextUpdate?: string;
  entries: TestEntry[];
}

export function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** The BLOB payload in MDS3's shape (the members the gateway reads, plus some it ignores). */
export function blobPayload(payload: TestPayload): Record<string, unknown> {
  return {
    legalHeader: 'Test metadata: not FIDO Alliance data.',
    no: payload.no,
    nextUpdate: payload.nextUpdate ?? inDays(30),
    entries: payload.entries.map((entry) => ({
      aaguid: entry.aaguid,
      metadataStatement: {
        legalHeader: 'Test metadata.',
        aaguid: entry.aaguid,
        description: entry.description ?? `Test key ${entry.aaguid.slice(0, 8)}`,
        authenticatorVersion: 1,
        protocolFamily: 'fido2',
        schema: 3,
        upv: [{ major: 1, minor: 1 }],
        authenticationAlgorithms: ['secp256r1_ecdsa_sha256_raw', 'ed25519_eddsa_sha512_raw'],
        publicKeyAlgAndEncodings: ['cose'],
        attestationTypes: ['basic_full'],
        userVerificationDetails: [[{ userVerificationMethod: 'presence_internal' }]],
        keyProtection: ['hardware', 'secure_element'],
        matcherProtection: ['on_chip'],
        attachmentHint: ['external', 'wired'],
        tcDisplay: [],
        attestationRootCertificates: entry.roots.map(base64Der),
        icon: 'data:image/png;base64,iVBORw0KGgo=',
      },
      statusReports: (entry.statuses ?? ['FIDO_CERTIFIED_L1']).map((status) => ({ status, effectiveDate: '2024-01-15' })),
      timeOfLastStatusChange: '2024-01-15',
    })),
  };
}

/** A compact JWS (ES256) of `payload`, with `chain` (PEM, signer first) as x5c. */
export function signBlob(payload: unknown, signer: PemPair, chain: string[] = [signer.cert]): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'ES256', typ: 'JWT', x5c: chain.map(base64Der) })}.${part(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key: createPrivateKey(signer.key), dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** A test MDS: its root, its signer, and BLOBs signed by them. */
export interface TestMds {
  root: TestCa;
  signer: PemPair;
  blob(payload: TestPayload): string;
}

export function createTestMds(pki: TestPki, name = 'mds-root'): TestMds {
  const root = pki.ca(name);
  const signer = mdsSigner(root, `${name}-signer`);
  return { root, signer, blob: (payload) => signBlob(blobPayload(payload), signer) };
}
