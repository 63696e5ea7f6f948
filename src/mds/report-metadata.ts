/**
 * What an instance says at start-up about attestation trust: which FIDO MDS BLOB is loaded (or
 * that none is, so no attestation can verify to MDS), whether it is past its nextUpdate, and
 * how many establishment roots it read. A store that cannot be read is only a warning: the
 * ceremonies read the BLOB again when they need it.
 */
import type { Logger } from 'pino';
import { isStale, type MetadataStore } from './metadata-store.ts';

export async function reportMetadata(
  metadata: MetadataStore,
  establishmentRoots: number,
  logger: Pick<Logger, 'info' | 'warn'>,
  now: number = Date.now(),
): Promise<void> {
  try {
    const info = await metadata.info();
    if (!info) {
      logger.warn(
        { establishmentRoots },
        'no FIDO MDS BLOB imported: no key attestation can verify to the FIDO roots and MDS status reports are not applied (npm run mds -- import FILE)',
      );
      return;
    }
    const { no, nextUpdate, entries, importedAt } = info;
    const fields = { no, nextUpdate, models: entries, importedAt: new Date(importedAt).toISOString(), establishmentRoots };
    if (isStale(info, now))
      logger.warn(fields, 'the FIDO MDS BLOB in use is past its nextUpdate: it is still used; import the current one (npm run mds -- import FILE)');
    else logger.info(fields, 'FIDO MDS BLOB loaded for key attestation');
  } catch (err) {
    logger.warn({ err }, 'could not read the FIDO MDS BLOB at start-up; ceremonies will read it when they need it');
  }
}
