/**
 * What the gateway keeps of the FIDO Metadata Service (MDS3): for each authenticator model
 * (AAGUID) the roots its attestation certificates must chain to and its status reports, and
 * which BLOB they came from.
 */

/** One model of the BLOB, slimmed to what the gateway uses (no icons, no UV details). */
export interface MdsEntry {
  /** Lowercase 8-4-4-4-12. */
  aaguid: string;
  /** The vendor's description of the model (empty when the entry has no metadata statement). */
  description: string;
  /** Roots of the model's attestation certificates: DER, base64 (as in the BLOB). */
  attestationRootCertificates: string[];
  /** Status reports, as listed (FIDO_CERTIFIED_L1, REVOKED, USER_VERIFICATION_BYPASS, …). */
  statusReports: { status: string; effectiveDate?: string | undefined }[];
}

/** The BLOB loaded into the store. */
export interface MdsBlobInfo {
  /** The BLOB's serial number (`no`): each new BLOB has a higher one. */
  no: number;
  /** YYYY-MM-DD: FIDO publishes the next BLOB by this date; past it the data is stale. */
  nextUpdate: string;
  /** Epoch ms of the import. */
  importedAt: number;
  /** How many models (entries with an AAGUID) it holds. */
  entries: number;
}

/** A verified BLOB, ready to store. */
export interface VerifiedBlob {
  no: number;
  nextUpdate: string;
  entries: MdsEntry[];
}

/** Where the ceremonies read a model's entry (the metadata store, cached in process). */
export interface MetadataSource {
  /** The entry of this AAGUID (any case) in the loaded BLOB, or undefined. */
  entryFor(aaguid: string): Promise<MdsEntry | undefined>;
}
