/**
 * A trail that the old /admin/audit (newest 5,000 events only) got wrong: three events of one
 * clinician in 2021, then 6,000 events over five Paris days of June 2025, among them 40 of
 * another clinician and 6 key revocations. Appended through the gateway's own audit log, in
 * that order (so the 2021 events are the oldest of the chain). `count` gives exact expectations.
 */
import type { AuditEventBody, AuditLog } from '../../src/audit/index.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import { parisDay } from '../../src/calendar/paris-days.ts';

/** The clinician whose only events date from 2021. */
export const OLD_ACTOR = '810100000042';
/** The clinician with 40 events among the 6,000 recent ones. */
export const REGULAR_ACTOR = '810100000059';
/** How many recent events are seeded (more than the old page's 5,000). */
export const RECENT_EVENTS = 6000;

const OLD_TIME = Date.parse('2021-03-15T09:00:00.000Z');
/** 00:30 in Paris on 2 June 2025 (CEST): one event a minute from there, about four days. */
const RECENT_START = Date.parse('2025-06-01T22:30:00.000Z');

export function searchTrailBodies(): AuditEventBody[] {
  const old: AuditEventBody[] = [
    {
      type: 'signin.succeeded',
      outcome: 'success',
      time: new Date(OLD_TIME).toISOString(),
      instance: 'seed',
      actor: OLD_ACTOR,
      clientId: 'demo-dpi',
      details: { method: 'psc-card' },
    },
    {
      type: 'key.enrolled',
      outcome: 'success',
      time: new Date(OLD_TIME + 3_600_000).toISOString(),
      instance: 'seed',
      actor: OLD_ACTOR,
      details: { via: 'account' },
    },
    {
      type: 'key.revoked',
      outcome: 'success',
      time: new Date(OLD_TIME + 7_200_000).toISOString(),
      instance: 'seed',
      actor: OLD_ACTOR,
      details: { by: 'owner', keysLeft: 0 },
    },
  ];
  const recent = Array.from({ length: RECENT_EVENTS }, (_, i): AuditEventBody => {
    const time = new Date(RECENT_START + i * 60_000).toISOString();
    const actor = i % 150 === 7 ? REGULAR_ACTOR : `8102000${String(i % 50).padStart(5, '0')}`;
    const clientId = i % 2 ? 'demo-dpi' : 'demo-dmp';
    if (i % 1000 === 500) return { type: 'key.revoked', outcome: 'success', time, instance: 'seed', actor, details: { by: 'owner', keysLeft: 1 } };
    if (i % 7 === 3) return { type: 'signin.failed', outcome: 'failure', time, instance: 'seed', actor, clientId, reason: 'cancelled', details: { n: i } };
    if (i % 3 === 0) return { type: 'token.issued', outcome: 'success', time, instance: 'seed', actor, clientId, details: { grantType: 'authorization_code' } };
    return { type: 'signin.succeeded', outcome: 'success', time, instance: 'seed', actor, clientId, details: { method: 'webauthn-synced', n: i } };
  });
  return [...old, ...recent];
}

/** Appends the trail (in order: the 2021 events first) and returns what was stored. */
export async function seedSearchTrail(log: AuditLog): Promise<AuditEvent[]> {
  const stored: AuditEvent[] = [];
  const bodies = searchTrailBodies();
  for (let i = 0; i < bodies.length; i += 500) stored.push(...(await Promise.all(bodies.slice(i, i + 500).map((b) => log.append(b)))));
  return stored;
}

/** How many seeded bodies match: actor, type, client, outcome, and Paris days from..to (both included). */
export function count(criteria: { actor?: string; type?: string; clientId?: string; outcome?: string; from?: string; to?: string }): number {
  return searchTrailBodies().filter(
    (b) =>
      (!criteria.actor || b.actor === criteria.actor) &&
      (!criteria.type || b.type === criteria.type) &&
      (!criteria.clientId || b.clientId === criteria.clientId) &&
      (!criteria.outcome || b.outcome === criteria.outcome) &&
      (!criteria.from || parisDay(b.time) >= criteria.from) &&
      (!criteria.to || parisDay(b.time) <= criteria.to),
  ).length;
}
