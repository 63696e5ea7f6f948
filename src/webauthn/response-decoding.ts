/**
 * Shared pieces of the shape checks of WebAuthn responses: base64url fields, the client
 * data JSON and the authenticator data, decoded far enough that anything which is not a
 * WebAuthn response is refused as 'malformed' before the library sees it. Checks of
 * meaning (challenge, origin, RP ID, flags, signature) stay with the library.
 */
import { parseAuthenticatorData } from '@simplewebauthn/server/helpers';
import { z } from 'zod';
import { WebAuthnError } from './errors.ts';
import { describe, isBase64url, isCredentialId, MAX_CREDENTIAL_ID_CHARS } from './ids.ts';

export type ParsedAuthenticatorData = ReturnType<typeof parseAuthenticatorData>;

/** A base64url string of 1..max characters. */
export function base64urlField(max: number) {
  return z
    .string()
    .min(1, 'expected base64url, got an empty string')
    .max(max, `expected at most ${max} base64url characters`)
    .refine(isBase64url, 'expected unpadded base64url (A-Z a-z 0-9 - _)');
}

export const credentialIdField = z.string().refine(isCredentialId, `expected a credential id: 1–${MAX_CREDENTIAL_ID_CHARS} base64url characters`);

export const attachmentField = z.enum(['platform', 'cross-platform']).nullish();

export const clientExtensionResultsField = z.record(z.string(), z.unknown()).optional();

/** Throws 'malformed' naming the first problem zod found. */
export function parseShape<T extends z.ZodType>(schema: T, body: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? issue.path.map(String).join('.') : 'body';
  throw new WebAuthnError('malformed', `expected ${what}, got ${where}: ${issue?.message ?? 'an invalid value'}`);
}

/** Bytes of a base64url string already checked by base64urlField. */
export function bytesOf(base64url: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(base64url, 'base64url'));
}

const clientDataSchema = z.object({
  type: z.string(),
  challenge: z.string(),
  origin: z.string(),
});

/** Checks that clientDataJSON is UTF-8 JSON with string type, challenge and origin. */
export function checkClientData(clientDataJSON: string): void {
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytesOf(clientDataJSON)));
  } catch (error) {
    throw new WebAuthnError('malformed', 'expected response.clientDataJSON to hold UTF-8 JSON, got bytes that are not', { detail: (error as Error).message });
  }
  const parsed = clientDataSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WebAuthnError(
      'malformed',
      `expected client data with string type, challenge and origin, got ${issue?.path.length ? `${issue.path.map(String).join('.')}: ${issue.message}` : describe(data)}`,
    );
  }
}

/** Parses authenticator data (length, flags, attested credential data, extensions, no leftover bytes). */
export function decodeAuthenticatorData(bytes: Uint8Array<ArrayBuffer>, where: string): ParsedAuthenticatorData {
  try {
    return parseAuthenticatorData(bytes);
  } catch (error) {
    throw new WebAuthnError(
      'malformed',
      `expected ${where} to be authenticator data, got ${bytes.byteLength} bytes that do not parse: ${(error as Error).message}`,
      { detail: (error as Error).message },
    );
  }
}
