/**
 * What the test suite needs installed beyond npm packages: `redis-server` (on PATH: the outage,
 * chaos and bench tests start their own, and `npm test` starts one when no Redis answers) and
 * Chromium (the browser tests; /usr/bin/chromium or CHROMIUM_PATH). Says which are missing and
 * how to install them, in one line. Throws nothing.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface Prerequisite {
  /** What is missing, as the line says it. */
  what: string;
  /** The Debian package that provides it. */
  debianPackage: string;
}

export const REDIS_SERVER = 'redis-server';

/** The Chromium the browser tests drive. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH || '/usr/bin/chromium';
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first executable called `name` in PATH's folders, or undefined. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find(isExecutableFile);
}

export function missingPrerequisites(env: NodeJS.ProcessEnv = process.env): Prerequisite[] {
  const missing: Prerequisite[] = [];
  if (!onPath(REDIS_SERVER, env)) missing.push({ what: `${REDIS_SERVER} (not on PATH)`, debianPackage: 'redis-server' });
  const chromium = chromiumPath(env);
  if (!isExecutableFile(chromium))
    missing.push({ what: `Chromium (not at ${chromium}${env.CHROMIUM_PATH ? ', CHROMIUM_PATH' : '; or set CHROMIUM_PATH'})`, debianPackage: 'chromium' });
  return missing;
}

/** One line: what is missing and the command that installs it. */
export function missingLine(missing: readonly Prerequisite[]): string {
  return `npm test: missing ${missing.map((m) => m.what).join(' and ')}: install with \`apt-get install ${missing.map((m) => m.debianPackage).join(' ')}\``;
}
