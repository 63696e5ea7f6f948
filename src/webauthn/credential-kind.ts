/**
 * How the clinician sees a credential in /account: a synced passkey (backed up or eligible
 * for backup), a platform authenticator (built into this device), or a security key.
 */
import type { CredentialKind } from './types.ts';

export interface CredentialKindInput {
  /** From the BE flag: 'multiDevice' when the credential may be synced. */
  deviceType: 'singleDevice' | 'multiDevice';
  /** From the BS flag: the credential is backed up now. */
  backedUp: boolean;
  /** authenticatorAttachment reported by the browser, if any. */
  attachment?: 'platform' | 'cross-platform' | undefined;
  /** Transports reported by the browser (may be empty). */
  transports?: readonly string[] | undefined;
  /** Kind hinted by the AAGUID table, if the model is known. */
  aaguidKind?: CredentialKind | undefined;
}

/**
 * 1. multiDevice or backed up → 'synced-passkey' (the signed flags win over any hint);
 * 2. attachment 'platform', or transports exactly ['internal'] → 'platform';
 * 3. the browser said nothing (no attachment, no transports) → the AAGUID table's kind when it
 *    is 'platform' or 'security-key';
 * 4. otherwise 'security-key' (a roaming authenticator: USB/NFC key, or a phone over hybrid
 *    holding a device-bound credential).
 */
export function credentialKind(input: CredentialKindInput): CredentialKind {
  const transports = input.transports ?? [];
  if (input.deviceType === 'multiDevice' || input.backedUp) return 'synced-passkey';
  if (input.attachment === 'platform') return 'platform';
  if (transports.length === 1 && transports[0] === 'internal') return 'platform';
  if (input.attachment === undefined && transports.length === 0 && input.aaguidKind && input.aaguidKind !== 'synced-passkey') {
    return input.aaguidKind;
  }
  return 'security-key';
}
