/**
 * Notices of changes to a clinician's means (RIE): every key added, renamed, raised, confirmed,
 * revoked, expired, blocked or disabled by a FIDO status report becomes a notice, derived from
 * its audit event (the event bus: noticeOf). The clinician sees the pending ones once, at their
 * next sign-in, and acknowledges them; the acknowledgement is the highest audit `seq` seen, so a
 * notice recorded meanwhile stays pending, and acknowledging twice changes nothing.
 *
 * The same sign-in may also warn of keys to confirm soon, at most once a day (interactions/
 * notices-hold.ts): the board keeps when it last did, so that a sign-in learns both in one read.
 *
 * Layout: `accountPart(idNat, 'notices')` a capped list (newest first) of JSON notices;
 * `accountPart(idNat, 'notices-ack')` the highest acknowledged seq; `accountPart(idNat,
 * 'age-warned')` set for a day once the clinician was warned of keys to confirm. All three share
 * the account's hash slot.
 */
import type { AuditEvent } from '../audit/types.ts';
import type { KeyNames } from '../store/key-names.ts';
import type { Store } from '../store/store.ts';

export const MEANS_CHANGES = ['added', 'renamed', 'raised', 'confirmed', 'revoked', 'expired', 'blocked', 'disabled'] as const;
export type MeansChange = (typeof MEANS_CHANGES)[number];

export interface Notice {
  /** The audit event's seq (orders notices, and is what an acknowledgement names). */
  seq: number;
  change: MeansChange;
  /** ISO time of the change. */
  at: string;
  kind?: string | undefined;
  keyName?: string | undefined;
  /** Who made it: owner, admin (revocations); the FIDO status (disabled). */
  by?: string | undefined;
  /** Keys revoked at once (admin). */
  count?: number | undefined;
  /** Hashed interaction uid of the sign-in it happened in (not shown again in that very sign-in). */
  attempt?: string | undefined;
}

/** How many notices an account keeps (older ones drop off; the audit trail keeps everything). */
export const MAX_NOTICES = 50;

/** A day's sign-ins warn of a key to confirm once. */
export const WARNING_EVERY_SECONDS = 20 * 3600;

const CHANGE_OF: Partial<Record<AuditEvent['type'], MeansChange>> = {
  'key.enrolled': 'added',
  'key.renamed': 'renamed',
  'key.raised': 'raised',
  'key.confirmed': 'confirmed',
  'key.revoked': 'revoked',
  'key.expired': 'expired',
  'key.counter_anomaly': 'blocked',
  'key.model_compromised': 'disabled',
};

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/** The notice an audit event makes for its actor, if it is a change to their means. */
export function noticeOf(event: Pick<AuditEvent, 'type' | 'outcome' | 'actor' | 'seq' | 'time' | 'details'>): (Notice & { idNat: string }) | undefined {
  const change = CHANGE_OF[event.type];
  if (!change || !event.actor) return undefined;
  // A refused enrolment, rename or raise changed nothing; a key refused for its model's status was disabled.
  if (event.outcome === 'failure' && change !== 'blocked' && change !== 'disabled') return undefined;
  // An enrolment refused for its model never became a key.
  if (change === 'disabled' && event.details?.ceremony === 'enrolment') return undefined;
  const d = event.details ?? {};
  return {
    idNat: event.actor,
    seq: event.seq,
    change,
    at: event.time,
    kind: text(d.kind),
    keyName: text(d.keyName),
    by: text(d.by) ?? text(d.status),
    count: typeof d.count === 'number' ? d.count : undefined,
    attempt: text(d.attempt),
  };
}

export interface NoticeBoard {
  add(idNat: string, notice: Notice): Promise<void>;
  /** Notices not acknowledged yet, oldest first. */
  pending(idNat: string): Promise<Notice[]>;
  /** What a sign-in asks: the pending notices (as `pending`) and whether the clinician was warned of keys to confirm within the day. */
  atSignIn(idNat: string): Promise<{ pending: Notice[]; warnedToday: boolean }>;
  /** The clinician was just told of their keys to confirm: no warning again for WARNING_EVERY_SECONDS. */
  markWarned(idNat: string): Promise<void>;
  /** Acknowledges the notices up to `upTo` (a seq shown); returns how many this acknowledged (0 when already done). */
  acknowledge(idNat: string, upTo: number): Promise<number>;
}

export function createNoticeBoard(store: Store, keyNames: KeyNames): NoticeBoard {
  const listKey = (idNat: string) => keyNames.accountPart(idNat, 'notices');
  const ackKey = (idNat: string) => keyNames.accountPart(idNat, 'notices-ack');
  const warnedKey = (idNat: string) => keyNames.accountPart(idNat, 'age-warned');

  const seqOf = (raw: string | null | undefined) => {
    const value = raw == null ? 0 : Number(raw);
    return Number.isSafeInteger(value) ? value : 0;
  };

  async function acknowledged(idNat: string): Promise<number> {
    return seqOf(await store.get(ackKey(idNat)));
  }

  const list = (idNat: string) => store.lrange(listKey(idNat), 0, -1);

  function parsed(entries: string[]): Notice[] {
    const notices: Notice[] = [];
    for (const raw of entries) {
      try {
        const notice = JSON.parse(raw) as Notice;
        if (Number.isSafeInteger(notice.seq) && (MEANS_CHANGES as readonly string[]).includes(notice.change)) notices.push(notice);
      } catch {
        // A corrupt entry is skipped: the audit trail still has the change.
      }
    }
    return notices.sort((a, b) => a.seq - b.seq);
  }

  async function all(idNat: string): Promise<Notice[]> {
    return parsed(await list(idNat));
  }

  return {
    async add(idNat, notice) {
      await store.pushCapped(listKey(idNat), JSON.stringify(notice), MAX_NOTICES);
    },
    async pending(idNat) {
      const [upTo, notices] = await Promise.all([acknowledged(idNat), all(idNat)]);
      return notices.filter((notice) => notice.seq > upTo);
    },
    async atSignIn(idNat) {
      // One MGET for the two strings (same slot), sent with the list's LRANGE.
      const [[ack, warned], entries] = await Promise.all([store.mget([ackKey(idNat), warnedKey(idNat)]), list(idNat)]);
      const upTo = seqOf(ack);
      return { pending: parsed(entries).filter((notice) => notice.seq > upTo), warnedToday: warned != null };
    },
    async markWarned(idNat) {
      await store.set(warnedKey(idNat), '1', WARNING_EVERY_SECONDS);
    },
    async acknowledge(idNat, upTo) {
      const before = await acknowledged(idNat);
      if (!Number.isSafeInteger(upTo) || upTo <= before) return 0;
      await store.set(ackKey(idNat), String(upTo));
      return (await all(idNat)).filter((notice) => notice.seq > before && notice.seq <= upTo).length;
    },
  };
}
