/**
 * Security keys and passkeys (WebAuthn): registration and authentication ceremonies over
 * @simplewebauthn/server, the credential repository, authenticator models by AAGUID.
 */
export type { CredentialKind, StoredCredential, WebAuthnSettings } from './types.ts';
export { webauthnSettingsFor } from './types.ts';
export { CredentialNameError, WebAuthnError, type WebAuthnErrorCode } from './errors.ts';
export { createWebAuthnDeps, type CreateWebAuthnDepsOptions, type WebAuthnDeps } from './deps.ts';
export {
  createCredentialRepository,
  REVOKED_MARKER_TTL_SECONDS,
  StoredCredentialError,
  type CredentialLookup,
  type CredentialRepository,
  type CredentialUse,
} from './credential-repository.ts';
export { AaguidTableError, loadAaguidTable, modelFor, parseAaguidTable, ZERO_AAGUID, type AaguidModel, type AaguidTable } from './aaguid.ts';
export { loadAaguidsFile } from './aaguids-file.ts';
export { keyAge, keyDue, lastConfirmedAt, type KeyAge, type KeyAgePolicy } from './key-age.ts';
export { credentialKind, type CredentialKindInput } from './credential-kind.ts';
export { defaultCredentialName, KIND_LABELS, MAX_CREDENTIAL_NAME_LENGTH, normalizeCredentialName } from './credential-name.ts';
export { createRegistrationOptions, SUPPORTED_ALGORITHM_IDS, type RegistrationOptionsInput } from './registration-options.ts';
export { verifyRegistration, type VerifyRegistrationInput } from './verify-registration.ts';
export { createAuthenticationOptions, type AuthenticationOptionsInput } from './authentication-options.ts';
export { verifyAuthentication, type VerifiedAuthentication, type VerifyAuthenticationInput } from './verify-authentication.ts';
