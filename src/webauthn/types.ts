import type { AttestationTrust } from '../mds/attestation-trust.ts';
import type { MetadataSource } from '../mds/types.ts';

/**
 * What the gateway keeps of a WebAuthn credential (security key or passkey), and the
 * settings of its relying party (rpID = the gateway's host, origin = the issuer's origin).
 */

import type { KeyBinding } from '../assurance/key-assurance.ts';

/** How the clinician sees the credential in /account. */
export type CredentialKind = 'security-key' | 'synced-passkey' | 'platform';

export interface StoredCredential {
  /** Credential id, base64url (as in the WebAuthn response `id`). */
  id: string;
  /** idNat of the practitioner account it signs in. */
  idNat: string;
  /** COSE public key, base64url. */
  publicKey: string;
  /** Last signature counter seen (0 for authenticators without a counter). */
  counter: number;
  transports: string[];
  /** 'singleDevice' (device-bound) or 'multiDevice' (synced passkey). */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  /** AAGUID of the authenticator model (all zeros when unknown/none attestation). */
  aaguid: string;
  /** Attestation statement format: none, packed, fido-u2f, tpm, android-key, apple, … */
  attestationFormat: string;
  /**
   * Whether the attestation's certificate chain led to a trust anchor (FIDO MDS roots of the
   * AAGUID, or an establishment root) at registration. Absent on keys enrolled before the gateway
   * checked it: read as not verified.
   */
  attestation?: AttestationTrust;
  /** authenticatorAttachment reported by the browser at registration, if any. */
  attachment?: 'platform' | 'cross-platform';
  kind: CredentialKind;
  /** Model name from the AAGUID table, when known. */
  model?: string;
  /** Name given by the clinician (default: the model name or the kind). */
  name: string;
  /** Epoch ms. */
  createdAt: number;
  lastUsedAt?: number;
  /** The sign-in (or in-person check) that bound the key: it caps what the key proves. Absent on keys enrolled before bindings were recorded. */
  binding?: KeyBinding;
  /** Epoch ms of the last confirmation through PSC (a PSC sign-in, then this key): the key's age counts from it (key-age.ts). */
  confirmedAt?: number;
  /** Set when the gateway stopped trusting the key (e.g. signature counter went backwards). */
  blocked?: { reason: 'counter-regression'; at: number };
}

export interface WebAuthnSettings {
  /** RP ID: the gateway's host name (no port). */
  rpID: string;
  /** RP name shown by authenticators. */
  rpName: string;
  /** Accepted origins (the issuer's origin). */
  origins: string[];
  /** Ceremony timeout given to the browser. */
  timeoutMs: number;
  /** Lifetime of a challenge in the store (single use). */
  challengeTtlSeconds: number;
  /** Refuse keys whose attestation chain does not lead to a trust anchor (see attestationAnchors). Default false. */
  requireAttestation?: boolean;
  /** Where attestation chains may lead, and the models' status reports. Absent: no attestation is verified. */
  attestationAnchors?: AttestationAnchors;
}

export interface AttestationAnchors {
  /** The imported FIDO MDS BLOB (roots and status reports by AAGUID). */
  metadata?: MetadataSource | undefined;
  /** PEM roots of keys the establishment bought (webauthn.establishmentRootsFile). */
  establishmentRoots?: readonly string[] | undefined;
}

export function webauthnSettingsFor(issuer: string, rpName = 'HospiConnect'): WebAuthnSettings {
  const url = new URL(issuer);
  return { rpID: url.hostname, rpName, origins: [url.origin], timeoutMs: 120_000, challengeTtlSeconds: 300 };
}
