/**
 * Retention: events older than `retentionDays` are first written to a JSON-lines file in
 * `exportDir` (mode 0600, flushed to disk), then removed from the log with the trim point
 * recorded, so what stays verifies on its own and what went verifies from the file.
 *
 * One instance at a time: the caller runs trimExpired under its own lock (e.g. the session
 * sweeper's SET NX lock) on a schedule. Appends by other instances meanwhile are safe (they
 * go after the trimmed part); two concurrent trims cannot move the trim point backwards, but
 * could export the same events twice: hence the lock.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { toJsonl } from './export.ts';
import type { AuditLog } from './log.ts';
import type { AuditEvent } from './types.ts';

export interface TrimExpiredOptions {
  log: AuditLog;
  /** Events older than this many days are exported and removed (audit.retentionDays, >= 1). */
  retentionDays: number;
  /** Folder of the export files (audit.exportDir); created with mode 0700 if missing. */
  exportDir: string;
  /** Milliseconds since the epoch (default Date.now). */
  clock?: () => number;
  /** Events read per page (default 1000). */
  pageSize?: number;
  /** At most this many events per run (default 100,000); the next run takes the rest. */
  maxEvents?: number;
}

export interface TrimExpiredResult {
  /** Events removed from the log. */
  count: number;
  /** The export file, when something was exported. */
  file?: string;
  /** Events written to the file (equals count unless the log changed under us). */
  exported: number;
  /** The cutoff used (ISO 8601): events before it went. */
  cutoff: string;
}

const DAY_MS = 86_400_000;

/** Exports then trims the expired events. Throws (having trimmed nothing) if the export cannot be written. */
export async function trimExpired(options: TrimExpiredOptions): Promise<TrimExpiredResult> {
  const { log, exportDir } = options;
  if (!Number.isFinite(options.retentionDays) || options.retentionDays < 1) {
    throw new RangeError(`audit retention: expected retentionDays >= 1, got ${options.retentionDays}`);
  }
  const clock = options.clock ?? Date.now;
  const pageSize = options.pageSize ?? 1000;
  const maxEvents = options.maxEvents ?? 100_000;
  const cutoffMs = clock() - options.retentionDays * DAY_MS;
  const cutoff = new Date(cutoffMs).toISOString();

  // The prefix of the chain older than the cutoff (what trimBefore removes), page by page
  // into a temporary file: a first run over a long history does not hold it all in memory.
  let first: AuditEvent | undefined;
  let last: AuditEvent | undefined;
  let exported = 0;
  let temp: { path: string; handle: FileHandle } | undefined;
  try {
    let fromSeq: number | undefined;
    while (exported < maxEvents) {
      const page = await log.range({ ...(fromSeq === undefined ? {} : { fromSeq }), limit: Math.min(pageSize, maxEvents - exported) });
      const kept = page.findIndex((e) => !(Date.parse(e.time) < cutoffMs));
      const expired = kept < 0 ? page : page.slice(0, kept);
      if (expired.length) {
        if (!temp) {
          await mkdir(exportDir, { recursive: true, mode: 0o700 });
          const path = join(exportDir, `.audit-export-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
          temp = { path, handle: await open(path, 'wx', 0o600) };
        }
        await temp.handle.writeFile(toJsonl(expired), 'utf8');
        first ??= expired[0];
        last = expired.at(-1);
        exported += expired.length;
      }
      if (kept >= 0 || page.length === 0 || page.length < pageSize) break;
      fromSeq = page.at(-1)!.seq + 1;
    }
    if (!temp || !first || !last) return { count: 0, exported: 0, cutoff };
    await temp.handle.sync();
  } catch (err) {
    if (temp)
      await temp.handle
        .close()
        .then(() => unlink(temp!.path))
        .catch(() => {});
    throw err;
  }
  await temp.handle.close();
  const file = await publish(temp.path, exportDir, `audit-${compact(first.time)}-${compact(last.time)}`);
  const count = await log.trimBefore(cutoff, { upToSeq: last.seq });
  return { count, file, exported, cutoff };
}

/** 2024-01-31T08:00:00.000Z -> 20240131T080000Z (safe in file names everywhere). */
function compact(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

/** Gives the temporary file its final name without ever overwriting one (adds -1, -2, …). */
async function publish(temp: string, dir: string, base: string): Promise<string> {
  for (let n = 0; n < 1000; n++) {
    const path = join(dir, `${base}${n ? `-${n}` : ''}.jsonl`);
    try {
      await link(temp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    await unlink(temp);
    return path;
  }
  throw new Error(`audit retention: expected a free file name for ${base}.jsonl in ${dir}, got 1000 existing ones`);
}
