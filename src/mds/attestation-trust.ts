/**
 * Whether a registration's attestation is *verified*: its statement carries a certificate chain
 * (x5c) that leads to a trust anchor — the roots the FIDO Metadata Service lists for the claimed
 * AAGUID, or one of the establishment's own roots. Run after verifyRegistrationResponse, which
 * has checked that the statement is signed by the first certificate of that chain and (packed)
 * that the certificate's AAGUID is the one claimed; the chain itself is checked here with the
 * library's validateCertificatePath. A self attestation (no x5c), format "none", or a chain
 * that leads nowhere known is not verified: the AAGUID is then only the key's own claim.
 */
import { convertCertBufferToPEM, decodeAttestationObject, validateCertificatePath } from '@simplewebauthn/server/helpers';
import type { MdsEntry } from './types.ts';

export type AttestationAnchor = 'mds' | 'establishment';

/** What the gateway records on a credential ("verified: false" for old records without it). */
export interface AttestationTrust {
  verified: boolean;
  /** What the chain led to, when verified. */
  anchor?: AttestationAnchor;
}

export interface AttestationTrustInput {
  /** registrationInfo.attestationObject (CBOR). */
  attestationObject: Uint8Array;
  /** The model's entry in the loaded MDS BLOB, if any. */
  entry?: MdsEntry | undefined;
  /** PEM roots of keys the establishment bought (webauthn.establishmentRootsFile). */
  establishmentRoots?: readonly string[] | undefined;
}

async function chainsTo(x5c: string[], roots: string[]): Promise<boolean> {
  // validateCertificatePath accepts anything when it is given no root: never call it without one.
  if (roots.length === 0 || x5c.length === 0) return false;
  // The library's rule for a model whose attestation certificate is itself listed as a root.
  if (x5c.length === 1 && roots.includes(x5c[0]!)) return true;
  // Some authenticators send the root too; the library refuses a chain holding its anchor twice.
  const chain = x5c.length > 1 && roots.includes(x5c.at(-1)!) ? x5c.slice(0, -1) : x5c;
  try {
    return await validateCertificatePath(chain, roots);
  } catch {
    return false;
  }
}

export async function attestationTrust(input: AttestationTrustInput): Promise<AttestationTrust> {
  const x5c = decodeAttestationObject(new Uint8Array(input.attestationObject)).get('attStmt').get('x5c');
  if (!x5c || x5c.length === 0) return { verified: false };
  const chain = x5c.map((cert) => convertCertBufferToPEM(cert));
  const mdsRoots = (input.entry?.attestationRootCertificates ?? []).map((root) => convertCertBufferToPEM(root));
  if (await chainsTo(chain, mdsRoots)) return { verified: true, anchor: 'mds' };
  if (await chainsTo(chain, [...(input.establishmentRoots ?? [])])) return { verified: true, anchor: 'establishment' };
  return { verified: false };
}
