/**
 * Verifies the answer to createRegistrationOptions and stores the new credential.
 * Checks, in order: the name given (CredentialNameError, nothing consumed), the challenge
 * ('challenge-expired', consumed from here on), the account the ceremony was started for
 * ('wrong-account'), the shape ('malformed'), the library's verification (origin, RP ID,
 * challenge, UP, UV → 'user-verification-missing', algorithm, attestation statement →
 * 'verification-failed'), the model's FIDO MDS status ('model-compromised' when revoked or
 * compromised), the attestation chain (verified when it leads to the MDS roots of the AAGUID
 * or to an establishment root; 'attestation-required' when policy requires that and it does
 * not), the credential id ('already-registered'). Nothing is stored unless every check passed.
 */
import { verifyRegistrationResponse, type VerifiedRegistrationResponse } from '@simplewebauthn/server';
import { attestationTrust } from '../mds/attestation-trust.ts';
import { compromiseOf } from '../mds/status.ts';
import { modelFor, ZERO_AAGUID } from './aaguid.ts';
import { takeCeremonyState } from './ceremony-state.ts';
import { credentialKind } from './credential-kind.ts';
import { defaultCredentialName, normalizeCredentialName } from './credential-name.ts';
import type { WebAuthnDeps } from './deps.ts';
import { fromLibraryError, WebAuthnError } from './errors.ts';
import { parseRegistrationResponse } from './parse-registration-response.ts';
import { SUPPORTED_ALGORITHM_IDS } from './registration-options.ts';
import type { StoredCredential } from './types.ts';
import type { KeyBinding } from '../assurance/key-assurance.ts';

export interface VerifyRegistrationInput {
  /** The key given to createRegistrationOptions. */
  ceremonyKey: string;
  /** The signed-in account; must be the one the options were made for. */
  idNat: string;
  /** The browser's answer (startRegistration's result), as received: checked here. */
  response: unknown;
  /** Name chosen by the clinician; blank or absent = the model name, else the French kind label. */
  name?: string | undefined;
  /** The sign-in the key is enrolled under (it caps what the key will prove); absent = the policy's safe `unrecorded` ceiling. */
  binding?: KeyBinding | undefined;
  /** Epoch ms used as createdAt. Default Date.now(). */
  now?: number | undefined;
}

export async function verifyRegistration(deps: WebAuthnDeps, input: VerifyRegistrationInput): Promise<StoredCredential> {
  const { store, settings, credentials, aaguids } = deps;
  const givenName = input.name === undefined || input.name.trim() === '' ? undefined : normalizeCredentialName(input.name);

  const state = await takeCeremonyState(store, input.ceremonyKey, 'registration');
  if (state.idNat !== input.idNat) {
    throw new WebAuthnError('wrong-account', `expected a registration started for account ${input.idNat}, got one started for another account`);
  }
  const parsed = parseRegistrationResponse(input.response);

  let verification: VerifiedRegistrationResponse;
  try {
    verification = await verifyRegistrationResponse({
      response: parsed.response,
      expectedChallenge: state.challenge,
      expectedOrigin: settings.origins,
      expectedRPID: settings.rpID,
      requireUserPresence: true,
      requireUserVerification: true,
      supportedAlgorithmIDs: [...SUPPORTED_ALGORITHM_IDS],
    });
  } catch (error) {
    throw fromLibraryError(error, 'registration', settings.rpID);
  }
  if (!verification.verified) {
    throw new WebAuthnError('verification-failed', 'expected a valid attestation statement signature, got one that does not verify', {
      detail: 'attestation statement did not verify',
    });
  }
  const info = verification.registrationInfo;
  const anchors = settings.attestationAnchors;
  const entry = info.aaguid === ZERO_AAGUID ? undefined : await anchors?.metadata?.entryFor(info.aaguid);
  const status = compromiseOf(entry);
  if (entry && status) {
    throw new WebAuthnError(
      'model-compromised',
      `expected a model in good standing, got AAGUID ${info.aaguid} (${entry.description || 'unnamed'}) with FIDO MDS status ${status}`,
      {
        compromise: { aaguid: info.aaguid, status, model: entry.description || undefined },
      },
    );
  }
  const attestation = await attestationTrust({ attestationObject: info.attestationObject, entry, establishmentRoots: anchors?.establishmentRoots });
  if (settings.requireAttestation && !attestation.verified) {
    const got = info.fmt === 'none' ? 'format "none"' : `format "${info.fmt}" whose certificate chain (if any) leads to no trust anchor`;
    throw new WebAuthnError(
      'attestation-required',
      `expected an attestation chain to the FIDO MDS roots of AAGUID ${info.aaguid} or to an establishment root (policy webauthn.requireAttestation), got ${got}`,
    );
  }
  if (info.credential.id !== parsed.response.id) {
    throw new WebAuthnError(
      'verification-failed',
      `expected the response id to be the credential id in the authenticator data, got ${JSON.stringify(parsed.response.id)} for ${JSON.stringify(info.credential.id)}`,
    );
  }
  if ((await credentials.lookup(info.credential.id)).state !== 'unknown') {
    throw new WebAuthnError('already-registered', 'expected a new credential, got a credential id the gateway already knows (enrolled or revoked)');
  }

  const model = modelFor(aaguids, info.aaguid);
  const kind = credentialKind({
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    attachment: parsed.attachment,
    transports: parsed.transports,
    aaguidKind: model?.kind,
  });
  const credential: StoredCredential = {
    id: info.credential.id,
    idNat: state.idNat,
    publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    transports: parsed.transports,
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    aaguid: info.aaguid,
    attestationFormat: info.fmt,
    attestation,
    kind,
    name: givenName ?? defaultCredentialName(kind, model?.name),
    createdAt: input.now ?? Date.now(),
  };
  if (input.binding) credential.binding = input.binding;
  if (parsed.attachment) credential.attachment = parsed.attachment;
  if (model) credential.model = model.name;
  if (!(await credentials.add(credential))) {
    throw new WebAuthnError('already-registered', 'expected a new credential, got a credential id being enrolled by another request');
  }
  return credential;
}
