/**
 * Checks that a key file can be read by this process before it is read: a missing file is
 * `false`, a file (or keys folder) another user keeps to themselves throws KeyFileError naming
 * its owner and mode, the user the gateway runs as (the image's `node`, uid 1000) and the
 * command that gives the keys to that user (`npm run keys -- --owner`, or chown).
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { KeyFileError } from './errors.ts';

/** The user this process runs as, as `uid:gid` (POSIX), or undefined elsewhere. */
function runningAs(): { uid: number; gid: number } | undefined {
  return typeof process.getuid === 'function' && typeof process.getgid === 'function' ? { uid: process.getuid(), gid: process.getgid() } : undefined;
}

function describeOwner(stats: Stats): string {
  return `it belongs to uid ${stats.uid}, gid ${stats.gid}, mode ${(stats.mode & 0o777).toString(8).padStart(4, '0')}`;
}

/** The KeyFileError for a key file or folder this process may not read. */
export function unreadableKeyFile(path: string, isFolder = false): KeyFileError {
  const user = runningAs();
  let owner = '';
  try {
    owner = `; ${describeOwner(statSync(path))}`;
  } catch {
    // the folder above it is closed too: its owner is reported when the folder is checked
  }
  const who = user ? ` (uid ${user.uid}, gid ${user.gid})` : '';
  const fix = user
    ? `give the keys to that user on the host: \`npm run keys -- --dir <folder> --owner ${user.uid}:${user.gid}\` for new keys, or \`chown ${user.uid}:${user.gid}\` the folder and its files (keep mode 0600)`
    : 'make the keys folder and its files readable by the account the gateway runs as';
  return new KeyFileError(path, `${isFolder ? 'folder ' : ''}not readable by the gateway's user${who}${owner}; ${fix}`);
}

/**
 * Whether the key file exists (false: it does not); throws KeyFileError when it, or its
 * folder, exists but this process may not read it.
 */
export function keyFileExists(path: string): boolean {
  const folder = dirname(path);
  try {
    accessSync(folder, constants.R_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code === 'EACCES' || code === 'EPERM') throw unreadableKeyFile(folder, true);
    throw err;
  }
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code === 'EACCES' || code === 'EPERM') throw unreadableKeyFile(path);
    throw err;
  }
}
