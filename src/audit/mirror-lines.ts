/**
 * The audit mirror's lines of one turn of the event loop's microtask queue, written in one call.
 * The events of one audit commit (redis-log.ts batches them) come back together: their records
 * resume in the same turn and each writes its mirror line. Written one by one, each line was a
 * synchronous write of its own (about 3 % of the gateway's CPU under a client_credentials load,
 * bench/README.md, ninth round); gathered, a commit's lines cost one.
 *
 * Nothing is held back past the turn, and each line is still out before its record() resolves:
 * the write is queued as a microtask at the turn's first line, so it runs before any reaction
 * that the turn's records queue when they resolve (microtasks run in the order they are queued).
 * The target keeps its own behaviour: synchronous writes. A write that throws (a destination
 * already closed) is reported to `onError`: it happens after the record that wrote the line has
 * moved on, where it would otherwise end the process.
 *
 * A write holds at most WRITE_MAX_BYTES of lines (a longer line goes alone, as before): on a pipe
 * (stdout, which the application log shares), a write up to that size is never split by another
 * writer's, so no other line can end up inside a mirror line.
 */

/** PIPE_BUF on Linux: the largest write a pipe keeps whole. */
export const WRITE_MAX_BYTES = 4096;

/** What the lines go to: pino's sync destination (sonic-boom) in the gateway. */
export interface LineTarget {
  write(chunk: string): unknown;
  flush?(cb?: (err?: Error | null) => void): void;
  flushSync?(): void;
}

export interface GatheredLines {
  write(line: string): boolean;
  /** Writes what is gathered now, then flushes the target (pino's logger.flush() calls it). */
  flush(cb?: (err?: Error | null) => void): void;
  flushSync(): void;
}

/** Default report of a write that failed: one JSON line on stderr (as the recorder's own errors). */
function reportOnStderr(err: Error, lines: number): void {
  process.stderr.write(`${JSON.stringify({ level: 'error', audit: true, msg: 'audit mirror lines not written', lines, err: err.message })}\n`);
}

export function linesPerTurn(target: LineTarget, onError: (err: Error, lines: number) => void = reportOnStderr): GatheredLines {
  let pending: string[] = [];
  const writeChunk = (chunk: string, lines: number) => {
    try {
      target.write(chunk);
    } catch (err) {
      try {
        onError(err instanceof Error ? err : new Error(String(err)), lines);
      } catch {
        // the report itself failed: nothing more can be done without throwing
      }
    }
  };
  const writeGathered = () => {
    if (!pending.length) return;
    const lines = pending;
    pending = [];
    let chunk = '';
    let chunkBytes = 0;
    let chunkLines = 0;
    for (const line of lines) {
      const bytes = Buffer.byteLength(line);
      if (chunkBytes && chunkBytes + bytes > WRITE_MAX_BYTES) {
        writeChunk(chunk, chunkLines);
        chunk = '';
        chunkBytes = 0;
        chunkLines = 0;
      }
      chunk += line;
      chunkBytes += bytes;
      chunkLines += 1;
    }
    writeChunk(chunk, chunkLines);
  };
  return {
    write(line) {
      if (!pending.length) queueMicrotask(writeGathered);
      pending.push(line);
      return true;
    },
    flush(cb) {
      writeGathered();
      if (target.flush) target.flush(cb);
      else cb?.(null);
    },
    flushSync() {
      writeGathered();
      target.flushSync?.();
    },
  };
}
