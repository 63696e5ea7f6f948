/**
 * A practitioner's recent activity, newest first, derived from the audit events that name
 * them (the audit trail is the source; this is an index for /account): sign-ins, failures,
 * key changes, and a staff member's own actions (exports, audit searches). Kept short; never contains more than the audit event summary.
 */
import type { Store } from '../store/store.ts';
import type { KeyNames } from '../store/key-names.ts';

export interface ActivityEntry {
  /** Epoch ms. */
  at: number;
  type: string;
  outcome: string;
  clientId?: string;
  reason?: string;
  method?: string;
  acr?: string;
  keyName?: string;
  /** A staff member's own action (admin.action): which one, e.g. `pilot.export`, `audit.search`. */
  action?: string;
  /** Of that action: the export format (`csv`, `json`) and the period it covered (YYYY-MM-DD days). */
  format?: string;
  from?: string;
  to?: string;
}

export const ACTIVITY_KEPT = 50;

export interface ActivityLog {
  push(idNat: string, entry: ActivityEntry): Promise<void>;
  recent(idNat: string, count?: number, filter?: (entry: ActivityEntry) => boolean): Promise<ActivityEntry[]>;
}

export function createActivityLog(store: Store, keyNames: KeyNames): ActivityLog {
  const key = (idNat: string) => keyNames.accountPart(idNat, 'activity');
  return {
    push: (idNat, entry) => store.pushCapped(key(idNat), JSON.stringify(entry), ACTIVITY_KEPT),
    async recent(idNat, count = 10, filter = () => true) {
      return (await store.lrange(key(idNat), 0, ACTIVITY_KEPT - 1))
        .map((raw) => JSON.parse(raw) as ActivityEntry)
        .filter(filter)
        .slice(0, count);
    },
  };
}
