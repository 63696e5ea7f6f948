/**
 * The one place a staff page's query is checked: its zod schema (a strict object of the
 * fields of query-fields.ts, with the page's own cross-field checks) parses `req.query`.
 * Throws UserFacingError 400 `invalid_query` with one ParameterProblem per parameter at fault
 * (its name and the message key of what was expected); the page or the JSON answer lists them.
 */
import { z } from 'zod';
import { UserFacingError, type ParameterProblem } from './errors.ts';

/** Longest parameter name or value repeated in a problem or the log line. */
const SHOWN_CHARS = 40;

/** The value as text, cut after SHOWN_CHARS characters (code points: a pair is never split). */
function shown(value: unknown): string {
  const characters = Array.from(typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)));
  return characters.length > SHOWN_CHARS ? `${characters.slice(0, SHOWN_CHARS).join('')}…` : characters.join('');
}

/** The fields a schema accepts (a strict object, or a pipe/transform that starts with one). */
function acceptedOf(schema: z.ZodType): string[] {
  const object = schema instanceof z.ZodPipe ? schema.in : schema;
  return object instanceof z.ZodObject ? Object.keys(object.shape) : [];
}

function problemsOf(issue: z.core.$ZodIssue, accepted: readonly string[]): ParameterProblem[] {
  const parameter = shown(String(issue.path[0] ?? ''));
  // Given twice or more (express makes it an array), whatever the field expected.
  if (issue.path.length === 1 && Array.isArray(issue.input)) return [{ parameter, key: 'query.once', params: { count: issue.input.length } }];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ parameter: shown(key), key: 'query.unknown', params: { accepted: accepted.join(', ') } }));
    case 'invalid_type':
      return [{ parameter, key: 'query.text', params: {} }];
    case 'invalid_value':
      return [{ parameter, key: 'query.oneOf', params: { values: issue.values.map(String).join(', ') } }];
    default: {
      // The fields and the pages' checks put the message key in the message (query.day, …).
      const key = /^query\.\w+$/.test(issue.message) ? issue.message : 'query.invalid';
      const params = issue.code === 'custom' ? ((issue.params as Record<string, string | number> | undefined) ?? {}) : {};
      return [{ parameter, key, params }];
    }
  }
}

/** What the log line says: each parameter, what it held and what was expected. */
function description(issues: readonly z.core.$ZodIssue[], problems: readonly ParameterProblem[]): string {
  const held = new Map(issues.filter((i) => i.path.length).map((i) => [shown(String(i.path[0])), i.input]));
  return `query refused: ${problems.map((p) => `${p.parameter}${held.has(p.parameter) ? `=${shown(held.get(p.parameter))}` : ''} (expected ${p.key})`).join('; ')}`;
}

/** The page's query as its schema reads it, or UserFacingError 400 invalid_query. */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  const parsed = schema.safeParse(query, { reportInput: true });
  if (parsed.success) return parsed.data;
  const accepted = acceptedOf(schema);
  const problems = parsed.error.issues.flatMap((issue) => problemsOf(issue, accepted));
  throw new UserFacingError(400, 'invalid_query', description(parsed.error.issues, problems), { problems });
}
