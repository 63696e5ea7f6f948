/**
 * What one audit event adds to the pilot's figures of its day: counter increments, the
 * clinician counted active, and the sign-in attempt a fall-back is looked for in. A pure
 * function of the event, so that replaying the trail gives the same figures as counting
 * live (aggregates.ts applies it to the store).
 *
 * The counters are named in counter-names.ts. Clinicians who reached each step of the
 * enrolment offer are also counted apart (distinct per range), since one clinician may be
 * offered a key at every PSC sign-in; and aggregates.ts adds the fall-back counter when a
 * sign-in through PSC follows a failed key in the same attempt.
 */
import type { AuditEvent } from '../audit/types.ts';
import { parisDay } from '../calendar/paris-days.ts';
import { PILOT_COUNTERS as C, durationCounter } from './counter-names.ts';
import { durationBucket } from './durations.ts';
import { isPscMethod, methodGroup } from './method-groups.ts';

export interface EventCounts {
  /** The Paris day the event belongs to. */
  day: string;
  increments: Map<string, number>;
  /** idNat of a clinician who signed in that day. */
  active?: string;
  /** Attempt whose key ceremony failed (a later PSC sign-in in it is a fall-back). */
  keyFailedIn?: string;
  /** Attempt that ended with a sign-in through PSC. */
  pscSignInIn?: string;
  /** A step of the enrolment offer after PSC this clinician reached that day (distinct clinicians per step). */
  funnelStep?: { step: FunnelStep; actor: string };
  /** FINESS site number → establishment name, as seen in the event. */
  establishments?: Map<string, string>;
}

/** Characters kept in a counter name's value part (client ids, reasons, codes). */
function part(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value)
    .replace(/[^A-Za-z0-9._+-]/g, '_')
    .slice(0, 80);
  return text === '' ? undefined : text;
}

function strings(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? value.split(',') : [];
}

/** The RIE's longest session (4 h): sessions ended past it are counted (sessions.over4h). */
export const SESSION_RIE_MAX_MINUTES = 240;

export const FUNNEL_STEPS = ['offered', 'started', 'completed', 'skipped'] as const;
export type FunnelStep = (typeof FUNNEL_STEPS)[number];

export function countsOf(event: AuditEvent): EventCounts {
  const increments = new Map<string, number>();
  const add = (name: string, by = 1) => increments.set(name, (increments.get(name) ?? 0) + by);
  const counts: EventCounts = { day: parisDay(event.time), increments };
  const d = event.details ?? {};
  const attempt = part(d.attempt);
  const success = event.outcome === 'success';
  const reached = (step: FunnelStep) => {
    if (event.actor) counts.funnelStep = { step, actor: event.actor };
  };

  switch (event.type) {
    case 'signin.succeeded': {
      const method = part(d.method) ?? 'unknown';
      add(C.signIn);
      add(`${C.signInMethod}${method}`);
      add(`${C.signInGroup}${methodGroup(method)}`);
      add(`${C.signInAcr}${part(d.acr) ?? 'unknown'}`);
      if (d.phishingResistant === true) add(C.signInPhishingResistant);
      if (event.clientId) add(`${C.signInClient}${part(event.clientId)}`);
      for (const code of new Set(strings(event.profession).map(part))) if (code) add(`${C.signInProfession}${code}`);
      const finess = strings(d.finess);
      const names = strings(d.establishments);
      const seen = new Map<string, string>();
      finess.forEach((n, i) => {
        const id = part(n);
        if (id && !seen.has(id)) seen.set(id, names[i] ?? '');
      });
      for (const id of seen.keys()) add(`${C.signInFiness}${id}`);
      if (seen.size) counts.establishments = seen;
      if (typeof d.durationMs === 'number' && Number.isFinite(d.durationMs) && d.durationMs >= 0) add(durationCounter(method, durationBucket(d.durationMs)));
      if (event.actor) counts.active = event.actor;
      if (attempt && isPscMethod(method)) counts.pscSignInIn = attempt;
      break;
    }
    case 'signin.failed': {
      const method = d.method === 'webauthn' ? 'webauthn' : String(event.reason ?? '').startsWith('psc-') ? 'psc' : 'other';
      add(C.failure);
      add(`${C.failureReason}${part(event.reason) ?? 'unknown'}`);
      add(`${C.failureMethod}${method}`);
      if (method === 'webauthn' && attempt) counts.keyFailedIn = attempt;
      break;
    }
    case 'psc.failed':
      add(`${C.pscFailure}${part(event.reason) ?? 'unknown'}`);
      break;
    case 'psc.verified':
      if (d.created === true) add(C.linked);
      break;
    case 'key.offered':
      add(C.enrolOffered);
      reached('offered');
      break;
    case 'key.enrolment_started':
      if (d.via !== 'account') {
        add(C.enrolStarted);
        reached('started');
      }
      break;
    case 'key.skipped':
      add(C.enrolSkipped);
      reached('skipped');
      break;
    case 'key.enrolled':
      if (!success) {
        add(C.enrolRefused);
        break;
      }
      add(C.keysEnrolled);
      if (d.via === 'account') add(C.keysEnrolledFromAccount);
      else {
        add(C.enrolCompleted);
        reached('completed');
      }
      if (d.keys === 1) add(C.keyholdersGained);
      break;
    case 'key.revoked': {
      const count = typeof d.count === 'number' && Number.isSafeInteger(d.count) && d.count > 0 ? d.count : 1;
      add(C.keysRevoked, count);
      add(`${C.keysRevokedBy}${part(d.by) ?? 'unknown'}`, count);
      if (d.keysLeft === 0) add(C.keyholdersLost);
      break;
    }
    case 'delegation.started':
      add(C.delegationRequested);
      break;
    case 'delegation.succeeded':
      add(C.delegationSignIn);
      if (d.pairing === 'first') add(C.pairingFirst);
      break;
    case 'delegation.refused':
      add(C.delegationRefused);
      add(`${C.delegationRefusedReason}${part(event.reason) ?? 'unknown'}`);
      break;
    case 'delegation.paired':
      add(C.pairingReturned);
      break;
    case 'stepup.asked':
      add(C.stepUpAsked);
      break;
    case 'stepup.met':
      add(C.stepUpMet);
      break;
    case 'stepup.unmet':
      add(C.stepUpUnmet);
      break;
    case 'session.expired':
      add(C.sessionsEnded);
      if (typeof d.lastedMinutes === 'number' && d.lastedMinutes > SESSION_RIE_MAX_MINUTES) add(C.sessionsOver4h);
      break;
    case 'key.expired':
      add(C.keysExpired);
      break;
    case 'emergency.issued':
      if (success) add(C.emergencyIssued);
      break;
    case 'emergency.used':
      add(C.emergencyUsed);
      break;
    case 'key.confirmed':
      add(C.keysConfirmed);
      break;
    default:
      break;
  }
  return counts;
}
