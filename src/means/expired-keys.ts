/**
 * Records `key.expired` once per key and age: the first time a key past its maximum age is seen
 * (a refused sign-in, a PSC sign-in, /account). The event feeds the clinician's notices
 * (notice-feed.ts) like every other change to their means; a confirmed key that expires again
 * later is noted again (the marker names the age it expired at).
 */
import type { Request } from 'express';
import type { Config } from '../config/index.ts';
import type { RequestAudit } from '../http/audit.ts';
import type { KeyNames } from '../store/key-names.ts';
import type { Store } from '../store/store.ts';
import { REVOKED_MARKER_TTL_SECONDS, keyAge, lastConfirmedAt, type StoredCredential } from '../webauthn/index.ts';

export interface ExpiredKeysDeps {
  config: Pick<Config, 'means'>;
  store: Store;
  keyNames: KeyNames;
  audit: RequestAudit;
}

/** The keys among `credentials` that are past their maximum age at `now`; each one noted once. */
export async function noteExpiredKeys(
  deps: ExpiredKeysDeps,
  credentials: readonly StoredCredential[],
  now: number,
  req?: Request,
): Promise<StoredCredential[]> {
  const expired = credentials.filter((credential) => keyAge(credential, now, deps.config.means).state === 'expired');
  for (const credential of expired) {
    const marker = deps.keyNames.credentialPart(credential.id, `expired-noted:${lastConfirmedAt(credential)}`);
    if (!(await deps.store.setIfAbsent(marker, '1', REVOKED_MARKER_TTL_SECONDS))) continue;
    const { dueAt } = keyAge(credential, now, deps.config.means);
    await deps.audit.record(
      {
        type: 'key.expired',
        outcome: 'info',
        actor: credential.idNat,
        details: { kind: credential.kind, keyName: credential.name, dueAt: new Date(dueAt).toISOString() },
      },
      req,
    );
  }
  return expired;
}
