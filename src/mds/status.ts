/**
 * Which MDS status reports mean a model must not be trusted any more: the vendor or FIDO
 * revoked it, or its user verification, attestation key or user keys are known to be
 * compromised. Any such report in the history counts (as @simplewebauthn/server's
 * MetadataService does): a later certification does not undo a known compromise.
 */
import type { MdsEntry } from './types.ts';

export const COMPROMISE_STATUSES: ReadonlySet<string> = new Set([
  'REVOKED',
  'USER_VERIFICATION_BYPASS',
  'ATTESTATION_KEY_COMPROMISE',
  'USER_KEY_REMOTE_COMPROMISE',
  'USER_KEY_PHYSICAL_COMPROMISE',
]);

/** The first compromise status of the entry, or undefined when it has none. */
export function compromiseOf(entry: MdsEntry | undefined): string | undefined {
  return entry?.statusReports.find((report) => COMPROMISE_STATUSES.has(report.status))?.status;
}
