/**
 * `npm run keys -- --owner uid:gid`: the user the gateway runs as (numeric, as the host may not
 * know the image's `node` user) and the hand-over of the keys folder and files to it. Throws
 * RangeError for a malformed --owner, KeyFileError when this account may not change the owner.
 */
import { chownSync } from 'node:fs';
import { KeyFileError } from './errors.ts';

export interface Owner {
  uid: number;
  gid: number;
}

/** "1000:1000" or "1000" (the group then has the same number). */
export function parseOwner(value: string): Owner {
  const match = /^(\d{1,10})(?::(\d{1,10}))?$/.exec(value.trim());
  if (!match) throw new RangeError(`--owner: expected <uid>:<gid> in numbers (the image's node user is 1000:1000), got "${value}"`);
  return { uid: Number(match[1]), gid: Number(match[2] ?? match[1]) };
}

/** chown of the folder and each file; the files keep mode 0600 (readable by the owner alone). */
export function giveKeysTo(folder: string, files: readonly string[], owner: Owner): void {
  for (const path of [folder, ...files]) {
    try {
      chownSync(path, owner.uid, owner.gid);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EPERM' && code !== 'EACCES') throw err;
      throw new KeyFileError(
        path,
        `cannot give it to ${owner.uid}:${owner.gid} (${code}): run the command as root (sudo npm run keys -- … --owner ${owner.uid}:${owner.gid}) or as that user`,
      );
    }
  }
}
