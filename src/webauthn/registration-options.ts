/**
 * Options for navigator.credentials.create() to enrol a key or passkey for an account
 * already signed in (after PSC, or from /account). Stores the challenge under the caller's
 * ceremony key, replacing any earlier one.
 */
import { generateRegistrationOptions, type PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { COSEALG } from '@simplewebauthn/server/helpers';
import { saveCeremonyState } from './ceremony-state.ts';
import type { WebAuthnDeps } from './deps.ts';
import { assertIdNat } from './ids.ts';

/** Public key algorithms offered, most preferred first: EdDSA, ES256, RS256. */
export const SUPPORTED_ALGORITHM_IDS: readonly number[] = [COSEALG.EdDSA, COSEALG.ES256, COSEALG.RS256];

export interface RegistrationOptionsInput {
  /** Where the challenge is kept until verifyRegistration (e.g. journey.ceremonyKey(uid, 'webauthn-reg'), or the portal session's). */
  ceremonyKey: string;
  /** Account the new credential will sign in. */
  idNat: string;
  /** Account name shown by the authenticator's account picker (e.g. the RPPS number or e-mail). */
  userName: string;
  /** Person's name shown by the authenticator (e.g. "Dr Marie Curie"). */
  displayName: string;
}

/**
 * rpID = settings.rpID; userID = the account's WebAuthn user handle; discoverable credential
 * required (passwordless); user verification required; attestation 'direct' requested (its
 * format and AAGUID are stored, never required); EdDSA/ES256/RS256; excludeCredentials = the
 * account's credentials, so the same authenticator cannot be enrolled twice.
 */
export async function createRegistrationOptions(deps: WebAuthnDeps, input: RegistrationOptionsInput): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const { store, settings, credentials } = deps;
  assertIdNat(input.idNat);
  const [handle, existing] = await Promise.all([credentials.userHandleFor(input.idNat), credentials.listByAccount(input.idNat)]);
  const options = await generateRegistrationOptions({
    rpName: settings.rpName,
    rpID: settings.rpID,
    userID: new Uint8Array(Buffer.from(handle, 'base64url')),
    userName: input.userName,
    userDisplayName: input.displayName,
    timeout: settings.timeoutMs,
    attestationType: 'direct',
    excludeCredentials: existing.map((credential) => ({ id: credential.id, transports: credential.transports })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    supportedAlgorithmIDs: [...SUPPORTED_ALGORITHM_IDS],
  });
  await saveCeremonyState(
    store,
    input.ceremonyKey,
    { ceremony: 'registration', challenge: options.challenge, idNat: input.idNat },
    settings.challengeTtlSeconds,
  );
  return options;
}
