/**
 * How old a key is for the RIE's means lifecycle: its age counts from the last time PSC vouched
 * for the clinician together with that key — its enrolment after PSC, a raise of its binding, or
 * a confirmation (a PSC sign-in, then this key). Past `maxAgeDays` it does not sign in alone;
 * `warnDays` before, the clinician is told when.
 */
import type { StoredCredential } from './types.ts';

const DAY_MS = 86_400_000;

export interface KeyAgePolicy {
  /** Days a key signs in after its last confirmation. */
  maxKeyAgeDays: number;
  /** Days before that the clinician is warned. */
  warnDays: number;
}

export type KeyAge = { state: 'current'; dueAt: number } | { state: 'due-soon'; dueAt: number; daysLeft: number } | { state: 'expired'; dueAt: number };

/** Epoch ms of the last confirmation through PSC (enrolment, raise or confirmation), whichever is latest. */
export function lastConfirmedAt(credential: Pick<StoredCredential, 'createdAt' | 'binding' | 'confirmedAt'>): number {
  return Math.max(credential.createdAt, credential.binding?.at ?? 0, credential.confirmedAt ?? 0);
}

export function keyAge(credential: Pick<StoredCredential, 'createdAt' | 'binding' | 'confirmedAt'>, now: number, policy: KeyAgePolicy): KeyAge {
  const dueAt = lastConfirmedAt(credential) + policy.maxKeyAgeDays * DAY_MS;
  if (now >= dueAt) return { state: 'expired', dueAt };
  if (now >= dueAt - policy.warnDays * DAY_MS) return { state: 'due-soon', dueAt, daysLeft: Math.ceil((dueAt - now) / DAY_MS) };
  return { state: 'current', dueAt };
}

/** True when the key should be confirmed now (expired, or within the warning window). */
export function keyDue(credential: Pick<StoredCredential, 'createdAt' | 'binding' | 'confirmedAt'>, now: number, policy: KeyAgePolicy): boolean {
  return keyAge(credential, now, policy).state !== 'current';
}
