/**
 * Shape check of an authentication response (what @simplewebauthn/browser's
 * startAuthentication returns): JSON types, base64url, client data JSON, authenticator data
 * that parses, an optional user handle. Throws 'malformed'.
 */
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { z } from 'zod';
import { WebAuthnError } from './errors.ts';
import { isUserHandle, MAX_USER_HANDLE_CHARS } from './ids.ts';
import {
  attachmentField,
  base64urlField,
  bytesOf,
  checkClientData,
  clientExtensionResultsField,
  credentialIdField,
  decodeAuthenticatorData,
  parseShape,
  type ParsedAuthenticatorData,
} from './response-decoding.ts';

const authenticationSchema = z.object({
  id: credentialIdField,
  rawId: credentialIdField,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64urlField(16_384),
    authenticatorData: base64urlField(16_384),
    signature: base64urlField(2_048),
    userHandle: z.union([z.literal(''), z.string().refine(isUserHandle, `expected a user handle: 1–${MAX_USER_HANDLE_CHARS} base64url characters`)]).nullish(),
  }),
  authenticatorAttachment: attachmentField,
  clientExtensionResults: clientExtensionResultsField,
});

export interface ParsedAuthenticationResponse {
  /** What verifyAuthenticationResponse gets (only the checked fields). */
  response: AuthenticationResponseJSON;
  /** The user handle the authenticator returned (discoverable credentials), if any. */
  userHandle?: string;
  authenticatorData: ParsedAuthenticatorData;
}

export function parseAuthenticationResponse(body: unknown): ParsedAuthenticationResponse {
  const shape = parseShape(authenticationSchema, body, 'a WebAuthn authentication response');
  if (shape.id !== shape.rawId) {
    throw new WebAuthnError('malformed', 'expected id and rawId to be the same base64url credential id, got two different values');
  }
  checkClientData(shape.response.clientDataJSON);
  const authenticatorData = decodeAuthenticatorData(bytesOf(shape.response.authenticatorData), 'response.authenticatorData');

  const userHandle = shape.response.userHandle || undefined;
  const response: AuthenticationResponseJSON = {
    id: shape.id,
    rawId: shape.rawId,
    type: 'public-key',
    response: {
      clientDataJSON: shape.response.clientDataJSON,
      authenticatorData: shape.response.authenticatorData,
      signature: shape.response.signature,
      ...(userHandle ? { userHandle } : {}),
    },
    clientExtensionResults: shape.clientExtensionResults ?? {},
  };
  if (shape.authenticatorAttachment) response.authenticatorAttachment = shape.authenticatorAttachment;
  return userHandle ? { response, userHandle, authenticatorData } : { response, authenticatorData };
}
