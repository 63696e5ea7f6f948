/**
 * The files a summary command reads (profile-summary.ts, alloc-summary.ts): a problem with them
 * or with the command line is a SummaryInputError, which the command prints with its usage and
 * exit code 2, never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export class SummaryInputError extends Error {}

/** Reads a JSON file, or says which file and why not. */
export function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SummaryInputError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new SummaryInputError(`${what} ${file} is not JSON`);
  }
}

/** A summary's command line: one profile file, --top N lines, and a scenario of the bench's results. */
export interface SummaryArgs {
  file: string;
  top: number;
  results: string | undefined;
  scenario: string | undefined;
}

/** Parses a summary's command line ('help' for --help); a SummaryInputError names what is wrong. */
export function parseSummaryArgs(argv: string[], defaultTop: number): SummaryArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { top: { type: 'string', default: String(defaultTop) }, results: { type: 'string' }, scenario: { type: 'string' }, help: { type: 'boolean' } },
    });
  } catch (e) {
    throw new SummaryInputError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new SummaryInputError(`expected one profile file, got ${positionals.length}`);
  const top = Number(values.top);
  if (!Number.isInteger(top) || top < 1) throw new SummaryInputError(`--top: expected a whole number of lines, 1 or more, got "${values.top}"`);
  return { file: positionals[0]!, top, results: values.results, scenario: values.scenario };
}

/**
 * What the bench's results (`--out` JSON) say of one scenario under `field` (its count of units,
 * its time window), when `valid`; otherwise which scenarios they have.
 */
export function scenarioFigure<T>(resultsFile: string, scenario: string, field: string, what: string, valid: (value: unknown) => value is T): T {
  const results = readJson(resultsFile, 'bench results') as { scenarios?: Record<string, Record<string, unknown> | undefined> } | null;
  const value = results?.scenarios?.[scenario]?.[field];
  if (!valid(value)) {
    throw new SummaryInputError(
      `no ${what} for scenario "${scenario}" in ${resultsFile} (scenarios: ${Object.keys(results?.scenarios ?? {}).join(', ') || 'none'})`,
    );
  }
  return value;
}

/**
 * A summary command: its usage for --help, `summarise` with the parsed command line, and for a
 * SummaryInputError its message and usage on stderr; 0, or 2 for bad input.
 */
export function runSummaryCommand(
  command: { name: string; usage: string; defaultTop: number },
  io: { argv: string[]; out: (text: string) => void; err: (text: string) => void },
  summarise: (args: SummaryArgs) => void,
): number {
  try {
    const args = parseSummaryArgs(io.argv, command.defaultTop);
    if (args === 'help') {
      io.out(`${command.usage}\n`);
      return 0;
    }
    summarise(args);
    return 0;
  } catch (e) {
    if (!(e instanceof SummaryInputError)) throw e;
    io.err(`${command.name}: ${e.message}\n${command.usage}\n`);
    return 2;
  }
}
