/**
 * Shape check of a registration response (what @simplewebauthn/browser's startRegistration
 * returns): JSON types, base64url, client data JSON, attestation object CBOR with fmt,
 * attStmt and authenticator data carrying a credential. Throws 'malformed'.
 */
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { decodeAttestationObject } from '@simplewebauthn/server/helpers';
import { z } from 'zod';
import { WebAuthnError } from './errors.ts';
import {
  attachmentField,
  base64urlField,
  bytesOf,
  checkClientData,
  clientExtensionResultsField,
  credentialIdField,
  decodeAuthenticatorData,
  parseShape,
} from './response-decoding.ts';

const registrationSchema = z.object({
  id: credentialIdField,
  rawId: credentialIdField,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64urlField(16_384),
    attestationObject: base64urlField(65_536),
    transports: z
      .array(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected a transport name such as "usb" or "internal"'))
      .max(10)
      .optional(),
  }),
  authenticatorAttachment: attachmentField,
  clientExtensionResults: clientExtensionResultsField,
});

export interface ParsedRegistrationResponse {
  /** What verifyRegistrationResponse gets (only the checked fields). */
  response: RegistrationResponseJSON;
  /** Deduplicated transports reported by the browser. */
  transports: string[];
  attachment?: 'platform' | 'cross-platform';
}

export function parseRegistrationResponse(body: unknown): ParsedRegistrationResponse {
  const shape = parseShape(registrationSchema, body, 'a WebAuthn registration response');
  if (shape.id !== shape.rawId) {
    throw new WebAuthnError('malformed', 'expected id and rawId to be the same base64url credential id, got two different values');
  }
  checkClientData(shape.response.clientDataJSON);

  let attestation: unknown;
  try {
    attestation = decodeAttestationObject(bytesOf(shape.response.attestationObject));
  } catch (error) {
    throw new WebAuthnError('malformed', 'expected response.attestationObject to be CBOR, got bytes that do not decode', { detail: (error as Error).message });
  }
  if (!(attestation instanceof Map)) throw new WebAuthnError('malformed', 'expected response.attestationObject to be a CBOR map, got another CBOR value');
  const fmt: unknown = attestation.get('fmt');
  const attStmt: unknown = attestation.get('attStmt');
  const authData: unknown = attestation.get('authData');
  if (typeof fmt !== 'string' || !(attStmt instanceof Map) || !(authData instanceof Uint8Array)) {
    throw new WebAuthnError(
      'malformed',
      `expected an attestation object with fmt (text), attStmt (map) and authData (bytes), got fmt ${typeof fmt}, attStmt ${attStmt instanceof Map ? 'map' : typeof attStmt}, authData ${authData instanceof Uint8Array ? 'bytes' : typeof authData}`,
    );
  }
  const parsed = decodeAuthenticatorData(new Uint8Array(authData), 'attestationObject.authData');
  if (!parsed.flags.at || !parsed.credentialID || !parsed.credentialPublicKey || !parsed.aaguid) {
    throw new WebAuthnError('malformed', 'expected authenticator data with attested credential data (AT flag, AAGUID, credential id, public key), got none');
  }

  const transports = [...new Set(shape.response.transports ?? [])];
  const response: RegistrationResponseJSON = {
    id: shape.id,
    rawId: shape.rawId,
    type: 'public-key',
    response: { clientDataJSON: shape.response.clientDataJSON, attestationObject: shape.response.attestationObject, transports },
    clientExtensionResults: shape.clientExtensionResults ?? {},
  };
  const attachment = shape.authenticatorAttachment ?? undefined;
  if (attachment) response.authenticatorAttachment = attachment;
  return attachment ? { response, transports, attachment } : { response, transports };
}
