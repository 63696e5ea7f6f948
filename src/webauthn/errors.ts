/**
 * Why a WebAuthn ceremony was refused, as one typed error. The caller maps `code` to what
 * the clinician is told (French first) and to an audit outcome; `message` and `detail` are
 * for logs only (they may quote the library and what the browser sent).
 */

export type WebAuthnErrorCode =
  /** No challenge under the ceremony key: expired, already used, never issued, or issued for the other ceremony. */
  | 'challenge-expired'
  /** The body is not a WebAuthn response: wrong JSON shape or types, bad base64url, bad CBOR, truncated authenticator data. */
  | 'malformed'
  /** No credential with this id is known to the gateway. */
  | 'unknown-credential'
  /** The credential was revoked (deleted) and is still presented by an authenticator. */
  | 'revoked'
  /** The credential was blocked after a signature counter regression; an administrator must revoke it. */
  | 'blocked'
  /** Policy requires a verified attestation and the key's chain does not lead to a trust anchor (or it has none). */
  | 'attestation-required'
  /** Enrolment of a model the FIDO Metadata Service reports as revoked or compromised. */
  | 'model-compromised'
  /** Sign-in with a key whose model the FIDO Metadata Service now reports as revoked or compromised. */
  | 'key-model-compromised'
  /** The authenticator did not set the UV flag (no PIN / biometrics). */
  | 'user-verification-missing'
  /** The signature counter did not increase: the key is now blocked (possible clone). */
  | 'counter-regression'
  /** The user handle, or the account the ceremony was started for, is not the credential's account. */
  | 'wrong-account'
  /** A registration returned a credential id the gateway already knows. */
  | 'already-registered'
  /** Second factor asked for an account that has no usable (registered, not blocked) credential. */
  | 'no-credentials'
  /** Origin, RP ID, challenge, type, user presence, attestation or signature did not verify. */
  | 'verification-failed';

export class WebAuthnError extends Error {
  readonly code: WebAuthnErrorCode;
  /** The library's reason or other diagnostic text, for logs (never shown to the clinician). */
  readonly detail: string | undefined;
  /** For the *-compromised codes: the model and the MDS status that refused it (for the audit trail). */
  readonly compromise: { aaguid: string; status: string; model?: string | undefined } | undefined;
  constructor(code: WebAuthnErrorCode, message: string, options: { detail?: string; cause?: unknown; compromise?: WebAuthnError['compromise'] } = {}) {
    super(`webauthn ${code}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WebAuthnError';
    this.code = code;
    this.detail = options.detail;
    this.compromise = options.compromise;
  }
}

/**
 * A name for a credential that cannot be used (empty, longer than 60 characters, control
 * characters). Thrown by rename() and by verifyRegistration() before anything is consumed.
 */
export class CredentialNameError extends Error {
  readonly code = 'invalid-name';
  constructor(message: string) {
    super(message);
    this.name = 'CredentialNameError';
  }
}

/** How @simplewebauthn/server 14 says that the UV flag was required and missing (registration and authentication). */
const UV_MISSING = /^User verification (?:was )?required, but user could not be verified/;

/**
 * Turns an error thrown by verifyRegistrationResponse / verifyAuthenticationResponse into a
 * WebAuthnError: 'user-verification-missing' when the library refused a response without the
 * UV flag, 'verification-failed' otherwise (origin, RP ID, challenge, type, UP, attestation…).
 */
export function fromLibraryError(error: unknown, ceremony: 'registration' | 'authentication', expectedRPID?: string): WebAuthnError {
  let reason = error instanceof Error ? error.message : String(error);
  if (reason === 'Unexpected RP ID hash' && expectedRPID) reason = `${reason}, expected the SHA-256 of "${expectedRPID}"`;
  if (UV_MISSING.test(reason)) {
    return new WebAuthnError(
      'user-verification-missing',
      `expected the authenticator to verify the user (UV flag) during ${ceremony}, got a response without it`,
      { detail: reason, cause: error },
    );
  }
  return new WebAuthnError('verification-failed', `the ${ceremony} response did not verify: ${reason}`, { detail: reason, cause: error });
}
