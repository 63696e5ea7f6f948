/**
 * The words of a configuration problem: the value received (secrets hidden, long values cut)
 * and what was expected, in plain words. Shared by the loader, the production checks and the
 * other files the gateway validates (clients, assurance policy); errors.ts puts them on one line.
 */
import type { z } from 'zod';
import { SECRET_KEYS } from './env.ts';
import type { ConfigProblem } from './errors.ts';

/** Prints a received value, hiding secrets and cutting long ones. */
export function describeValue(key: string, value: unknown): string {
  if (value === undefined) return '(missing)';
  if ([...SECRET_KEYS].some((k) => key === k || key.startsWith(`${k}.`))) return `(secret, ${String(value).length} characters)`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** Plain words for what a schema issue expected (shared by every file we validate). */
export function expectedText(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `a value of type ${issue.expected}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return 'a value of one of the accepted forms (see README "Configuration")';
    case 'too_small':
      return `at least ${String(issue.minimum)}${issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : ''}`;
    case 'too_big':
      return `at most ${String(issue.maximum)}${issue.origin === 'string' ? ' characters' : ''}`;
    case 'invalid_format':
      return issue.format === 'url' ? 'an http(s) URL' : issue.message.replace(/^Invalid string: /, '');
    case 'custom':
      return issue.message;
    default:
      return issue.message;
  }
}

/** One problem per schema issue, for files other than the main configuration (clients, policy). */
export function issueProblems(issues: readonly z.core.$ZodIssue[], source: string): ConfigProblem[] {
  return issues.map((i) => ({
    key: source + i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join(''),
    received: i.input === undefined ? '(missing)' : describeValue(source, i.input),
    expected: expectedText(i),
  }));
}
