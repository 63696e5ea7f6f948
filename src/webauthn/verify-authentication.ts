/**
 * Verifies the answer to createAuthenticationOptions and records the use of the key.
 * Checks, in order: the challenge ('challenge-expired', consumed), the shape ('malformed'),
 * the credential ('unknown-credential', 'revoked', 'blocked'), the user handle and the account
 * the ceremony was for ('wrong-account'), the library's verification (origin, RP ID,
 * challenge, UP, UV → 'user-verification-missing', signature → 'verification-failed'), then
 * the signature counter: a verified assertion whose counter did not increase blocks the key
 * ('counter-regression'), then the model's FIDO MDS status: a key whose model is now reported
 * revoked or compromised is refused ('key-model-compromised', at every use until the clinician
 * replaces it). Nothing is stored on failure except that block (and the account gate's failure
 * count, when the caller gives one).
 */
import { verifyAuthenticationResponse, type VerifiedAuthenticationResponse } from '@simplewebauthn/server';
import { compromiseOf } from '../mds/status.ts';
import { ZERO_AAGUID } from './aaguid.ts';
import { takeCeremonyState } from './ceremony-state.ts';
import type { WebAuthnDeps } from './deps.ts';
import { fromLibraryError, WebAuthnError } from './errors.ts';
import { parseAuthenticationResponse } from './parse-authentication-response.ts';
import type { StoredCredential } from './types.ts';

export interface VerifyAuthenticationInput {
  /** The key given to createAuthenticationOptions. */
  ceremonyKey: string;
  /** The browser's answer (startAuthentication's result), as received: checked here. */
  response: unknown;
  /** Abuse limit per account (limits/): consulted once the credential is known, told of each failure after that. */
  accountGate?: AccountGate | undefined;
  /** Epoch ms used as lastUsedAt (and as the time of a block). Default Date.now(). */
  now?: number | undefined;
}

export interface AccountGate {
  /** Throws when the account may not try a key now (too many recent failures). */
  admit(idNat: string): Promise<void>;
  /** A ceremony for this account failed after its credential was found. */
  failed(idNat: string): Promise<void>;
}

export interface VerifiedAuthentication {
  /** The account signed in. */
  idNat: string;
  /** The credential after this use (counter, backedUp, lastUsedAt updated). */
  credential: StoredCredential;
  /** The ceremony asked for user presence only (authentication-options.ts `presenceOnly`). */
  presenceOnly: boolean;
}

export async function verifyAuthentication(deps: WebAuthnDeps, input: VerifyAuthenticationInput): Promise<VerifiedAuthentication> {
  const { store, settings, credentials } = deps;
  const state = await takeCeremonyState(store, input.ceremonyKey, 'authentication');
  const parsed = parseAuthenticationResponse(input.response);
  const now = input.now ?? Date.now();

  const found = await credentials.lookup(parsed.response.id);
  if (found.state === 'unknown') {
    throw new WebAuthnError('unknown-credential', 'expected a credential enrolled at this gateway, got an unknown credential id');
  }
  if (found.state === 'revoked') {
    throw new WebAuthnError('revoked', 'expected an active credential, got one that was revoked');
  }
  const credential = found.credential;
  if (credential.blocked) {
    throw new WebAuthnError(
      'blocked',
      `expected a credential in good standing, got one blocked (${credential.blocked.reason}) at ${new Date(credential.blocked.at).toISOString()}`,
    );
  }
  await input.accountGate?.admit(credential.idNat);
  try {
    // The account's own handle, read in the account's slot: one read instead of the reverse index and then the account.
    if (parsed.userHandle !== undefined && parsed.userHandle !== (await credentials.userHandleOf(credential.idNat))) {
      throw new WebAuthnError('wrong-account', "expected the user handle of the credential's account, got another user handle");
    }
    if (state.forAccount !== undefined && state.forAccount !== credential.idNat) {
      throw new WebAuthnError('wrong-account', `expected a credential of account ${state.forAccount}, got a credential of another account`);
    }
    if (state.forAccounts !== undefined && !state.forAccounts.includes(credential.idNat)) {
      throw new WebAuthnError('wrong-account', `expected a credential of one of ${state.forAccounts.length} account(s), got a credential of another account`);
    }

    let verification: VerifiedAuthenticationResponse;
    try {
      verification = await verifyAuthenticationResponse({
        response: parsed.response,
        expectedChallenge: state.challenge,
        expectedOrigin: settings.origins,
        expectedRPID: settings.rpID,
        // Only a ceremony started for presence alone (quick re-authentication) goes without UV.
        requireUserVerification: state.presenceOnly !== true,
        // Counter 0: the library never refuses on the counter; we check it below, after the
        // signature verified, so that only a genuine assertion can block a key.
        credential: {
          id: credential.id,
          publicKey: new Uint8Array(Buffer.from(credential.publicKey, 'base64url')),
          counter: 0,
          transports: credential.transports,
        },
      });
    } catch (error) {
      throw fromLibraryError(error, 'authentication', settings.rpID);
    }
    if (!verification.verified) {
      throw new WebAuthnError('verification-failed', "expected a signature by the credential's key, got one that does not verify", {
        detail: 'signature did not verify',
      });
    }

    const { newCounter, credentialBackedUp } = verification.authenticationInfo;
    if ((credential.counter > 0 || newCounter > 0) && newCounter <= credential.counter) {
      await credentials.block(credential.id, 'counter-regression', now);
      throw new WebAuthnError(
        'counter-regression',
        `expected a signature counter above ${credential.counter}, got ${newCounter}: the key is blocked (possible clone)`,
      );
    }
    const entry = credential.aaguid === ZERO_AAGUID ? undefined : await settings.attestationAnchors?.metadata?.entryFor(credential.aaguid);
    const status = compromiseOf(entry);
    if (entry && status) {
      throw new WebAuthnError(
        'key-model-compromised',
        `expected a key whose model is in good standing, got AAGUID ${credential.aaguid} (${entry.description || 'unnamed'}) with FIDO MDS status ${status}`,
        {
          compromise: { aaguid: credential.aaguid, status, model: credential.model ?? (entry.description || undefined) },
        },
      );
    }
    if (!(await credentials.recordUse(credential.id, { counter: newCounter, backedUp: credentialBackedUp, at: now }))) {
      throw new WebAuthnError('revoked', 'expected an active credential, got one revoked while it was being verified');
    }
    return {
      idNat: credential.idNat,
      credential: { ...credential, counter: newCounter, backedUp: credentialBackedUp, lastUsedAt: now },
      presenceOnly: state.presenceOnly === true,
    };
  } catch (error) {
    if (error instanceof WebAuthnError) await input.accountGate?.failed(credential.idNat);
    throw error;
  }
}
