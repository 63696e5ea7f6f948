/**
 * The name a clinician gives a key: trimmed, Unicode-normalised, 1–60 characters, no control
 * characters. Without a name, the model from the AAGUID table, else a French kind label.
 */
import { CredentialNameError } from './errors.ts';
import type { CredentialKind } from './types.ts';

export const MAX_CREDENTIAL_NAME_LENGTH = 60;

/** French label of each kind, used as the default name when the model is unknown. */
export const KIND_LABELS: Readonly<Record<CredentialKind, string>> = {
  'security-key': 'Clé de sécurité',
  'synced-passkey': 'Passkey synchronisée',
  platform: "Authentificateur de l'appareil",
};

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * Returns the name to store, or throws CredentialNameError saying what was expected.
 * Length is counted in characters (code points), after trimming.
 */
export function normalizeCredentialName(name: unknown): string {
  if (typeof name !== 'string') throw new CredentialNameError(`credential name: expected a string, got ${name === null ? 'null' : typeof name}`);
  const normalized = name.normalize('NFC').trim();
  const length = [...normalized].length;
  if (length === 0) throw new CredentialNameError('credential name: expected 1 to 60 characters, got an empty name');
  if (length > MAX_CREDENTIAL_NAME_LENGTH) {
    throw new CredentialNameError(`credential name: expected 1 to ${MAX_CREDENTIAL_NAME_LENGTH} characters, got ${length}`);
  }
  if (CONTROL.test(normalized)) throw new CredentialNameError('credential name: expected printable characters, got a control character');
  return normalized;
}

/** The model name when known, else the French label of the kind. */
export function defaultCredentialName(kind: CredentialKind, model?: string): string {
  return model ?? KIND_LABELS[kind];
}
