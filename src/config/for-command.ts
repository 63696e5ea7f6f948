/**
 * Configuration for a command-line tool: the same loading as the gateway; a bad value is
 * printed as one line per problem on stderr and the caller exits with code 2.
 */
import { ConfigError, formatProblem } from './errors.ts';
import { loadConfig } from './load.ts';
import type { Config } from './schema.ts';

export function loadConfigForCommand(env: NodeJS.ProcessEnv = process.env): Config | undefined {
  return orPrintedProblems(() => loadConfig({ env }));
}

/** What `read` returns, or undefined after printing its ConfigError one problem per line. */
export function orPrintedProblems<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) console.error(formatProblem(problem));
    return undefined;
  }
}
