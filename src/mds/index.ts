/**
 * The FIDO Metadata Service (MDS3), imported offline: BLOB verification and storage, model
 * status reports, and whether a registration's attestation chain leads to a trust anchor.
 */
export type { MdsBlobInfo, MdsEntry, MetadataSource, VerifiedBlob } from './types.ts';
export { COMPROMISE_STATUSES, compromiseOf } from './status.ts';
export { MdsBlobError, verifyBlob, type VerifyBlobOptions } from './verify-blob.ts';
export { createMetadataStore, isStale, METADATA_REFRESH_MS, StoredMetadataError, type MetadataStore, type MetadataStoreOptions } from './metadata-store.ts';
export { importBlob, type ImportBlobOptions, type ImportedBlob } from './import-blob.ts';
export { attestationTrust, type AttestationAnchor, type AttestationTrust, type AttestationTrustInput } from './attestation-trust.ts';
export { PemFileError, readPemCertificates } from './pem-certificates.ts';
export { loadEstablishmentRoots } from './establishment-roots.ts';
export { reportMetadata } from './report-metadata.ts';
