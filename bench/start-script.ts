/**
 * The node options of `npm start`: package.json's start script, `node [--option …] src/main.ts`,
 * is the one place they are written. The bench starts its gateway with them (stack.ts), and
 * test/deployment/docker-files.test.ts checks that the Dockerfile's CMD gives the same.
 */
import { readFileSync } from 'node:fs';

/** What `npm start` runs, after its options. */
export const START_ENTRY = 'src/main.ts';

export class StartScriptError extends Error {}

/** The options between `node` and `src/main.ts` of a start script; an error naming the expected shape for any other script. */
export function nodeOptionsOfStartScript(script: string): string[] {
  const words = script.trim().split(/\s+/);
  const options = words.slice(1, -1);
  if (words[0] !== 'node' || words.length < 2 || words.at(-1) !== START_ENTRY || options.some((option) => !option.startsWith('--')))
    throw new StartScriptError(
      `package.json's start script: expected "node [--option …] ${START_ENTRY}" (each option --name or --name=value), got "${script}"`,
    );
  return options;
}

/** The node options of package.json's start script. */
export function startNodeOptions(packageJson: URL = new URL('../package.json', import.meta.url)): string[] {
  const pkg = JSON.parse(readFileSync(packageJson, 'utf8')) as { scripts?: Record<string, string> };
  return nodeOptionsOfStartScript(pkg.scripts?.start ?? '');
}
