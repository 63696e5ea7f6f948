/**
 * What one audit event adds to the pilot's figures of its day: counter increments, the
 * clinician counted active, and the sign-in attempt a fall-back is looked for in. A pure
 * function of the event, so that replaying the trail gives the same figures as counting
 * live (aggregates.ts applies it to the store).
 *
 * Counter names (fields of the day's hash):
 *   signin, signin.method:<m>, signin.group:<g> (method-groups.ts), signin.acr:<acr>, signin.phr, signin.client:<id>,
 *   signin.profession:<code>, signin.finess:<n>, duration.<m>:<bucket ms>,
 *   failure, failure.reason:<r>, failure.method:<webauthn|psc|other>, psc.failure:<r>,
 *   linked, enrol.offered, enrol.started, enrol.completed, enrol.skipped, enrol.refused,
 *   keys.enrolled, keys.enrolled.account, keys.revoked, keys.revoked.by:<by>,
 *   keyholders.gained, keyholders.lost, stepup.asked, stepup.met, stepup.unmet,
 *   delegation.requested, delegation.signin, delegation.refused, delegation.refused.reason:<r>,
 *   pairing.first, pairing.returned (PSC sans couture: sign-ins PSC delegated to the gateway and
 *   the pairing funnel — first delegation of a clinician, PSC shows its pairing screen; the
 *   clinician's first return through delegation, the pairing held)
 * Clinicians who reached each step of the enrolment offer are also counted apart (distinct
 * per range), since one clinician may be offered a key at every PSC sign-in;
 * and, added by aggregates.ts when a sign-in through PSC follows a failed key in the same
 * attempt, fallback.key-to-psc.
 */
import type { AuditEvent } from '../audit/types.ts';
import { parisDay } from './calendar.ts';
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
  const text = String(value).replace(/[^A-Za-z0-9._+-]/g, '_').slice(0, 80);
  return text === '' ? undefined : text;
}

function strings(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? value.split(',') : [];
}

export const FUNNEL_STEPS = ['offered', 'started', 'completed', 'skipped'] as const;
export type FunnelStep = (typeof FUNNEL_STEPS)[number];

export function countsOf(event: AuditEvent): EventCounts {
  const increments = new Map<string, number>();
  const add = (name: string, by = 1) => increments.set(name, (increments.get(name) ?? 0) + by);
  const counts: EventCounts = { day: parisDay(event.time), increments };
  const d = event.details ?? {};
  const attempt = part(d.attempt);
  const success = event.outcome === 'success';
  const reached = (step: FunnelStep) => { if (event.actor) counts.funnelStep = { step, actor: event.actor }; };

  switch (event.type) {
    case 'signin.succeeded': {
      const method = part(d.method) ?? 'unknown';
      add('signin');
      add(`signin.method:${method}`);
      add(`signin.group:${methodGroup(method)}`);
      add(`signin.acr:${part(d.acr) ?? 'unknown'}`);
      if (d.phishingResistant === true) add('signin.phr');
      if (event.clientId) add(`signin.client:${part(event.clientId)}`);
      for (const code of new Set(strings(event.profession).map(part))) if (code) add(`signin.profession:${code}`);
      const finess = strings(d.finess);
      const names = strings(d.establishments);
      const seen = new Map<string, string>();
      finess.forEach((n, i) => { const id = part(n); if (id && !seen.has(id)) seen.set(id, names[i] ?? ''); });
      for (const id of seen.keys()) add(`signin.finess:${id}`);
      if (seen.size) counts.establishments = seen;
      if (typeof d.durationMs === 'number' && Number.isFinite(d.durationMs) && d.durationMs >= 0) add(`duration.${method}:${durationBucket(d.durationMs)}`);
      if (event.actor) counts.active = event.actor;
      if (attempt && isPscMethod(method)) counts.pscSignInIn = attempt;
      break;
    }
    case 'signin.failed': {
      const method = d.method === 'webauthn' ? 'webauthn' : String(event.reason ?? '').startsWith('psc-') ? 'psc' : 'other';
      add('failure');
      add(`failure.reason:${part(event.reason) ?? 'unknown'}`);
      add(`failure.method:${method}`);
      if (method === 'webauthn' && attempt) counts.keyFailedIn = attempt;
      break;
    }
    case 'psc.failed':
      add(`psc.failure:${part(event.reason) ?? 'unknown'}`);
      break;
    case 'psc.verified':
      if (d.created === true) add('linked');
      break;
    case 'key.offered':
      add('enrol.offered');
      reached('offered');
      break;
    case 'key.enrolment_started':
      if (d.via !== 'account') {
        add('enrol.started');
        reached('started');
      }
      break;
    case 'key.skipped':
      add('enrol.skipped');
      reached('skipped');
      break;
    case 'key.enrolled':
      if (!success) {
        add('enrol.refused');
        break;
      }
      add('keys.enrolled');
      if (d.via === 'account') add('keys.enrolled.account');
      else {
        add('enrol.completed');
        reached('completed');
      }
      if (d.keys === 1) add('keyholders.gained');
      break;
    case 'key.revoked': {
      const count = typeof d.count === 'number' && Number.isSafeInteger(d.count) && d.count > 0 ? d.count : 1;
      add('keys.revoked', count);
      add(`keys.revoked.by:${part(d.by) ?? 'unknown'}`, count);
      if (d.keysLeft === 0) add('keyholders.lost');
      break;
    }
    case 'delegation.started':
      add('delegation.requested');
      break;
    case 'delegation.succeeded':
      add('delegation.signin');
      if (d.pairing === 'first') add('pairing.first');
      break;
    case 'delegation.refused':
      add('delegation.refused');
      add(`delegation.refused.reason:${part(event.reason) ?? 'unknown'}`);
      break;
    case 'delegation.paired':
      add('pairing.returned');
      break;
    case 'stepup.asked':
      add('stepup.asked');
      break;
    case 'stepup.met':
      add('stepup.met');
      break;
    case 'stepup.unmet':
      add('stepup.unmet');
      break;
    default:
      break;
  }
  return counts;
}
