/**
 * What /admin/audit accepts in its query: idNat, client, type (an event type of the
 * catalogue), outcome, from and to (days YYYY-MM-DD, to not before from, at most
 * AUDIT_SEARCH_MAX_DAYS apart) and lang. Anything else is refused (parse-query.ts: 400).
 */
import { z } from 'zod';
import { AUDIT_EVENT_TYPES, type AuditOutcome } from '../../audit/types.ts';
import { dayParam, dayRangeIssue, langParam, oneOfParam, patternParam } from '../../http/query-fields.ts';

/** Ten years: the longest audit retention the configuration allows (AUDIT_RETENTION_DAYS ≤ 3650). */
export const AUDIT_SEARCH_MAX_DAYS = 3650;

const OUTCOMES = ['success', 'failure', 'info'] as const satisfies readonly AuditOutcome[];

export const auditQuery = z.strictObject({
  idNat: patternParam(/^[A-Za-z0-9]{1,40}$/, 'query.idNat'),
  client: patternParam(/^[A-Za-z0-9._:-]{1,128}$/, 'query.clientId'),
  type: oneOfParam(AUDIT_EVENT_TYPES),
  outcome: oneOfParam(OUTCOMES),
  from: dayParam,
  to: dayParam,
  lang: langParam,
}).superRefine((query, ctx) => {
  if (!query.from || !query.to) return;
  const issue = dayRangeIssue({ from: query.from, to: query.to }, AUDIT_SEARCH_MAX_DAYS, 'to');
  if (issue) ctx.addIssue(issue);
});

/** The criteria of a search (the query without lang). */
export type AuditSearch = Omit<z.output<typeof auditQuery>, 'lang'>;
