/**
 * Verifies a whole audit log the way `npm run audit -- verify` does: the trim point's MAC,
 * then every stored entry in storage order (page by page, the next page as lookahead), from
 * the trim point, then that the chain reaches the head read before the scan and any anchors.
 */
import { checkCheckpoint, isAuthenticTrimPoint, verifyChain, type AuditTrimPoint, type ChainHead, type ChainVerification } from './chain.ts';
import { AuditLogFormatError, type AuditLog } from './log.ts';
import type { AuditEvent } from './types.ts';

export interface VerifyLogOptions {
  /**
   * Start at the stored event with this seq instead of the trim point (its prev is then taken
   * on trust). Entries stored before it are not checked; positions still count them.
   */
  fromSeq?: number;
  /** {seq, mac} pairs kept outside Redis (e.g. from the SIEM's lines): the chain must contain them. */
  anchors?: readonly ChainHead[];
  /** Entries verified per step (default 10,000; the next step's entries are the lookahead). */
  pageSize?: number;
}

export type VerifyLogResult = ChainVerification & {
  /** The trim point the verification started from. */
  trimPoint?: AuditTrimPoint | undefined;
  /** The head read before the scan. */
  head?: ChainHead | undefined;
  /** Anchors that lie before the start (trimmed away): not checked. */
  skippedAnchors?: ChainHead[];
};

/** Thrown for options that cannot apply to this log (e.g. fromSeq before the trim point). */
export class VerifyUsageError extends Error {
  override name = 'VerifyUsageError';
}

export async function verifyLog(log: AuditLog, key: string, options: VerifyLogOptions = {}): Promise<VerifyLogResult> {
  const first = await verifyOnce(log, key, options);
  if (first.ok || first.position !== 1) return first;
  // A trim that ran between reading the trim point and the first page moves the start: re-read once.
  const now = await log.trimPoint();
  return now?.seq !== first.trimPoint?.seq ? verifyOnce(log, key, options) : first;
}

async function verifyOnce(log: AuditLog, key: string, options: VerifyLogOptions): Promise<VerifyLogResult> {
  const trimPoint = await log.trimPoint();
  const head = await log.head();
  const base = { trimPoint, head };
  if (trimPoint && !isAuthenticTrimPoint(key, trimPoint)) {
    return {
      ok: false,
      position: 1,
      seq: trimPoint.seq,
      problem: 'bad-trim-point',
      message: `the trim point (seq ${trimPoint.seq}) was not written with the MAC key: the start of the chain was moved`,
      ...base,
    };
  }
  const chainStart = trimPoint?.seq ?? 1;
  const { fromSeq } = options;
  if (fromSeq !== undefined && (!Number.isSafeInteger(fromSeq) || fromSeq < chainStart)) {
    throw new VerifyUsageError(`verify: expected --from-seq to be an integer >= ${chainStart} (the ${trimPoint ? 'trim point' : 'first seq'}), got ${fromSeq}`);
  }
  const startSeq = fromSeq ?? chainStart;
  const startPrev = fromSeq !== undefined && fromSeq !== chainStart ? undefined : (trimPoint?.prev ?? '');
  const pageSize = options.pageSize ?? 10_000;
  const anchors = options.anchors ?? [];
  const wanted = new Set([...(head ? [head.seq] : []), ...anchors.map((a) => a.seq)]);
  const macs = new Map<number, string>();

  let offset = 0; // entries before the buffer (skipped ones included): positions are storage positions
  let verified = 0;
  let nextSeq = startSeq;
  let link = startPrev;
  let started = fromSeq === undefined;
  let buffer: AuditEvent[] = [];
  let unreadable: AuditLogFormatError | undefined;

  const step = (count: number, final: boolean): VerifyLogResult | undefined => {
    const chunk = buffer.slice(0, count);
    const result = verifyChain(chunk, key, {
      expectedFirstSeq: nextSeq,
      ...(link === undefined ? {} : { expectedFirstPrev: link }),
      lookahead: buffer.slice(count),
      ...(final && head && head.seq >= nextSeq - 1 ? { expectedHead: head } : {}),
    });
    if (!result.ok) return { ...result, position: result.position + offset, ...base };
    for (const event of chunk) if (wanted.has(event.seq)) macs.set(event.seq, event.mac);
    if (chunk.length) {
      nextSeq = chunk.at(-1)!.seq + 1;
      link = chunk.at(-1)!.mac;
    }
    verified += chunk.length;
    offset += chunk.length;
    buffer = buffer.slice(count);
    return undefined;
  };

  try {
    for await (const event of log.entries({ pageSize: Math.min(pageSize, 1000) })) {
      if (!started) {
        if (event.seq !== fromSeq) {
          offset += 1;
          continue;
        }
        started = true;
      }
      buffer.push(event);
      if (buffer.length >= 2 * pageSize) {
        const problem = step(pageSize, false);
        if (problem) return problem;
      }
    }
  } catch (err) {
    if (!(err instanceof AuditLogFormatError)) throw err;
    unreadable = err;
  }
  const problem = step(buffer.length, unreadable === undefined);
  if (problem) return problem;
  if (unreadable) {
    return { ok: false, position: unreadable.position, seq: undefined, problem: 'malformed', message: unreadable.message, ...base };
  }
  if (!started) {
    return { ok: false, position: offset + 1, seq: fromSeq, problem: 'deleted', message: `no stored event has seq ${fromSeq}`, ...base };
  }

  const run = { count: verified, startSeq, startPrev, macAt: (seq: number) => macs.get(seq) };
  const headProblem = checkCheckpoint(run, head ?? null, 'head');
  if (headProblem && !headProblem.ok) return { ...headProblem, position: headProblem.position + (offset - verified), ...base };
  const skippedAnchors: ChainHead[] = [];
  for (const anchor of anchors) {
    if (anchor.seq < startSeq) {
      skippedAnchors.push(anchor);
      continue;
    }
    const anchorProblem = checkCheckpoint(run, anchor, 'anchor');
    if (anchorProblem && !anchorProblem.ok) return { ...anchorProblem, position: anchorProblem.position + (offset - verified), ...base };
  }
  return { ok: true, count: verified, firstSeq: verified ? startSeq : undefined, lastSeq: verified ? nextSeq - 1 : undefined, ...base, skippedAnchors };
}
