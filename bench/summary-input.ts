/**
 * The files a summary command reads (profile-summary.ts, alloc-summary.ts): a problem with them
 * or with the command line is a SummaryInputError, which the command prints with its usage and
 * exit code 2, never a stack trace.
 */
import { readFileSync } from 'node:fs';

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
