/**
 * The identifiers that end up inside store keys, checked before they get there: a
 * credential id or user handle that is not plain base64url (or is absurdly long) never
 * reaches Redis, so no key can be forged with braces, colons or glob characters.
 */
import { ID_NAT_PATTERN } from '../accounts/practitioner.ts';

/** Unpadded base64url, as WebAuthn JSON encodes bytes. */
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Longest credential id accepted, in base64url characters (WebAuthn allows 1023 bytes = 1364 chars). */
export const MAX_CREDENTIAL_ID_CHARS = 1400;
/** Longest user handle accepted, in base64url characters (WebAuthn allows 64 bytes = 86 chars). */
export const MAX_USER_HANDLE_CHARS = 86;

/** True for unpadded base64url text whose length can be decoded (length % 4 !== 1). */
export function isBase64url(value: string): boolean {
  return BASE64URL.test(value) && value.length % 4 !== 1;
}

export function isCredentialId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_CREDENTIAL_ID_CHARS && isBase64url(value);
}

export function isUserHandle(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_USER_HANDLE_CHARS && isBase64url(value);
}

/** Same rule as the accounts module (the idNat is part of account keys). */
export function isIdNat(value: unknown): value is string {
  return typeof value === 'string' && ID_NAT_PATTERN.test(value);
}

export function assertCredentialId(value: unknown): asserts value is string {
  if (!isCredentialId(value)) {
    throw new TypeError(`credential id: expected 1–${MAX_CREDENTIAL_ID_CHARS} base64url characters, got ${describe(value)}`);
  }
}

export function assertIdNat(value: unknown): asserts value is string {
  if (!isIdNat(value)) throw new TypeError(`idNat: expected 1–40 letters or digits, got ${describe(value)}`);
}

/** A short, log-safe description of an unexpected value. */
export function describe(value: unknown): string {
  if (typeof value === 'string')
    return value.length > 40 ? `a string of ${value.length} characters starting ${JSON.stringify(value.slice(0, 20))}` : JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
