/**
 * What /admin/audit and its exports accept in their query: idNat, client, type (an event type
 * of the catalogue), outcome, from and to (Paris days YYYY-MM-DD, to not before from, at most
 * AUDIT_SEARCH_MAX_DAYS apart), upto (the result's snapshot), before or after (the page's
 * cursor, the page only) and lang. Anything else is refused (parse-query.ts: 400).
 * `auditQueryOf` turns the criteria into the audit log's query (the days' Paris midnights).
 */
import { z } from 'zod';
import type { AuditQuery } from '../../audit/index.ts';
import { AUDIT_EVENT_TYPES, type AuditOutcome } from '../../audit/types.ts';
import { addDays, parisDayStart } from '../../calendar/paris-days.ts';
import { dayParam, dayRangeIssue, langParam, oneOfParam, patternParam } from '../../http/query-fields.ts';

/** Ten years: the longest audit retention the configuration allows (AUDIT_RETENTION_DAYS ≤ 3650). */
export const AUDIT_SEARCH_MAX_DAYS = 3650;

const OUTCOMES = ['success', 'failure', 'info'] as const satisfies readonly AuditOutcome[];

/** A position in the trail as the page's links give it: a stream id "ms-n" (within what the index holds). */
const positionParam = patternParam(/^\d{1,14}-\d{1,9}$/, 'query.position');

const criteria = {
  idNat: patternParam(/^[A-Za-z0-9]{1,40}$/, 'query.idNat'),
  client: patternParam(/^[A-Za-z0-9._:-]{1,128}$/, 'query.clientId'),
  type: oneOfParam(AUDIT_EVENT_TYPES),
  outcome: oneOfParam(OUTCOMES),
  from: dayParam,
  to: dayParam,
};

function checkRange(query: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx): void {
  if (!query.from || !query.to) return;
  const issue = dayRangeIssue({ from: query.from, to: query.to }, AUDIT_SEARCH_MAX_DAYS, 'to');
  if (issue) ctx.addIssue(issue);
}

/** The search page's query. */
export const auditQuery = z
  .strictObject({ ...criteria, upto: positionParam, before: positionParam, after: positionParam, lang: langParam })
  .superRefine((query, ctx) => {
    checkRange(query, ctx);
    if (query.before && query.after) ctx.addIssue({ code: 'custom', path: ['after'], message: 'query.oneCursor', input: query.after });
  });

/** The exports' query: the criteria and the snapshot (an export is the whole result, not a page). */
export const auditExportQuery = z.strictObject({ ...criteria, upto: positionParam, lang: langParam }).superRefine(checkRange);

/** The criteria of a search (what is searched, without the page, snapshot or language). */
export type AuditSearch = Omit<z.output<typeof auditExportQuery>, 'lang' | 'upto'>;

/** The audit log's query for these criteria: the days are Paris days, `to` included. */
export function auditQueryOf(search: AuditSearch): AuditQuery {
  return {
    ...(search.idNat ? { actor: search.idNat } : {}),
    ...(search.client ? { clientId: search.client } : {}),
    ...(search.type ? { type: search.type } : {}),
    ...(search.outcome ? { outcome: search.outcome } : {}),
    ...(search.from ? { fromMs: parisDayStart(search.from) } : {}),
    ...(search.to ? { toMs: parisDayStart(addDays(search.to, 1)) } : {}),
  };
}

/** The criteria as query parameters, in a fixed order, empty ones left out. */
export function criteriaParams(search: AuditSearch): URLSearchParams {
  const params = new URLSearchParams();
  for (const name of ['idNat', 'client', 'type', 'outcome', 'from', 'to'] as const) {
    const value = search[name];
    if (value) params.set(name, value);
  }
  return params;
}
