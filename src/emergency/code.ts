/**
 * The form of an emergency access code: 16 characters of a 25-letter alphabet without
 * look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B), read out in four groups (`K7QM-3XWP-HT9D-RC4A`):
 * about 74 random bits, far beyond guessing within the sign-in abuse limits. Only its digest is
 * stored; the code itself is shown once, to the administrator who hands it over.
 */
import { createHash, randomInt } from 'node:crypto';

const ALPHABET = 'ACDEFGHJKMNPQRTUVWXY34679';
const LENGTH = 16;

/** A new code, grouped for reading aloud. */
export function generateCode(): string {
  const chars = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]!);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
}

/** The code as typed (any case, spaces or dashes between groups) in its one form, or undefined when it cannot be one. */
export function normalizeCode(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > 64) return undefined;
  const compact = input.toUpperCase().replace(/[\s-]/g, '');
  if (compact.length !== LENGTH || [...compact].some((c) => !ALPHABET.includes(c))) return undefined;
  return compact;
}

/** What the store keeps of a code (SHA-256 of its one form: the code is random, no salt is needed). */
export function codeDigest(code: string): string {
  return createHash('sha256')
    .update(`emergency-code:${normalizeCode(code) ?? code}`)
    .digest('hex');
}
