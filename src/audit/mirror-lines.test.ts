import { describe, expect, it } from 'vitest';
import { linesPerTurn, WRITE_MAX_BYTES } from './mirror-lines.ts';

function target() {
  const writes: string[] = [];
  return { writes, write: (chunk: string) => writes.push(chunk) };
}

describe('linesPerTurn (the audit mirror: the lines of one turn in one write)', () => {
  it('writes the lines of one turn in one call, in order, before anything awaiting that turn resumes', async () => {
    const t = target();
    const lines = linesPerTurn(t);
    lines.write('{"seq":1}\n');
    lines.write('{"seq":2}\n');
    lines.write('{"seq":3}\n');
    expect(t.writes).toEqual([]);
    await null;
    expect(t.writes).toEqual(['{"seq":1}\n{"seq":2}\n{"seq":3}\n']);
  });

  it('writes each line before the record that wrote it resolves, also when records resume in the same turn', async () => {
    const t = target();
    const lines = linesPerTurn(t);
    const seenAtResolve: number[] = [];
    let release!: () => void;
    const commit = new Promise<void>((resolve) => (release = resolve));
    // Three records waiting on one commit, each writing its line when it resumes, as recorder.ts does.
    const record = async (n: number) => {
      await commit;
      lines.write(`{"seq":${n}}\n`);
    };
    const done = [1, 2, 3].map((n) => record(n).then(() => seenAtResolve.push(t.writes.join('').split('\n').length - 1)));
    release();
    await Promise.all(done);
    expect(t.writes).toEqual(['{"seq":1}\n{"seq":2}\n{"seq":3}\n']);
    expect(seenAtResolve).toEqual([3, 3, 3]);
  });

  it('keeps each write within what a pipe keeps whole (PIPE_BUF), a longer line going alone', async () => {
    const t = target();
    const lines = linesPerTurn(t);
    const line = (n: number, size: number) => `{"seq":${n},"x":"${'é'.repeat(Math.floor((size - 20) / 2))}"}\n`;
    const written = [line(1, 1500), line(2, 1500), line(3, 1500), line(4, 5000), line(5, 100)];
    for (const l of written) lines.write(l);
    await null;
    expect(t.writes.join('')).toBe(written.join(''));
    expect(t.writes).toEqual([written[0]! + written[1]!, written[2]!, written[3]!, written[4]!]);
    for (const chunk of t.writes) if (chunk !== written[3]) expect(Buffer.byteLength(chunk)).toBeLessThanOrEqual(WRITE_MAX_BYTES);
  });

  it('reports a write that throws (a closed destination) instead of ending the process, and writes the next turn', async () => {
    const writes: string[] = [];
    const reported: Array<[string, number]> = [];
    let closed = true;
    const lines = linesPerTurn(
      {
        write: (chunk: string) => {
          if (closed) throw new Error('SonicBoom destroyed');
          writes.push(chunk);
        },
      },
      (err, count) => reported.push([err.message, count]),
    );
    lines.write('a\n');
    lines.write('b\n');
    await null;
    expect(reported).toEqual([['SonicBoom destroyed', 2]]);
    closed = false;
    lines.write('c\n');
    await null;
    expect(writes).toEqual(['c\n']);
  });

  it('writes separate turns separately: nothing waits for a later turn', async () => {
    const t = target();
    const lines = linesPerTurn(t);
    lines.write('a\n');
    await null;
    lines.write('b\n');
    await null;
    expect(t.writes).toEqual(['a\n', 'b\n']);
  });

  it('writes what is gathered at once on flush, then flushes the target', () => {
    const t = { ...target(), flushed: 0 };
    const withFlush = { ...t, write: t.write, flush: (cb?: (err?: Error | null) => void) => ((t.flushed += 1), cb?.(null)) };
    const lines = linesPerTurn(withFlush);
    lines.write('a\n');
    let called = false;
    lines.flush(() => (called = true));
    expect(t.writes).toEqual(['a\n']);
    expect(t.flushed).toBe(1);
    expect(called).toBe(true);
  });
});
