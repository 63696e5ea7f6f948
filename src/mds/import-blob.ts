/**
 * Imports a BLOB an operator downloaded: verifies it (verify-blob.ts), refuses one older than
 * the BLOB already loaded (FIDO: never go back to a lower `no`), and stores it for every
 * instance. Importing the BLOB already loaded again changes nothing. Nothing is stored unless
 * every check passed.
 */
import type { MetadataStore } from './metadata-store.ts';
import type { MdsBlobInfo } from './types.ts';
import { MdsBlobError, verifyBlob } from './verify-blob.ts';

export interface ImportBlobOptions {
  /** PEM roots the BLOB's chain must lead to. */
  roots: string[];
  /** Default Date.now(). */
  now?: number;
}

export interface ImportedBlob {
  info: MdsBlobInfo;
  /** The BLOB loaded before, if any. */
  previous: MdsBlobInfo | null;
  /** True when this BLOB was already loaded (nothing written). */
  unchanged: boolean;
}

export async function importBlob(metadata: MetadataStore, text: string, options: ImportBlobOptions): Promise<ImportedBlob> {
  const now = options.now ?? Date.now();
  const blob = await verifyBlob(text, { roots: options.roots, now: new Date(now) });
  const previous = await metadata.info();
  if (previous && blob.no < previous.no) {
    throw new MdsBlobError(
      `the BLOB is older than the one loaded (no. ${blob.no} < no. ${previous.no}): download the current one from https://mds3.fidoalliance.org/`,
    );
  }
  if (previous && blob.no === previous.no) return { info: previous, previous, unchanged: true };
  return { info: await metadata.save(blob, now), previous, unchanged: false };
}
