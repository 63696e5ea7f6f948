/**
 * The recorder every module calls: checks the event type, drops anything the privacy scanner
 * flags (listing it in details.redacted), appends to the chain and mirrors the stored event
 * as one JSON line for the SIEM. It never throws: a failed append is still mirrored, marked.
 */
import { pino, type Logger } from 'pino';
import type { AuditLog } from './log.ts';
import { linesPerTurn } from './mirror-lines.ts';
import { findSecrets } from './redact.ts';
import { AUDIT_EVENT_TYPES, type AuditEvent, type AuditInput, type AuditOutcome, type AuditRecorder, type AuditSource } from './types.ts';

export interface AuditRecorderOptions {
  /** Where events are chained and kept (createRedisAuditLog, or createMemoryAuditLog for the embedded default). */
  log: AuditLog;
  /** The dedicated JSON-lines logger (createAuditMirrorLogger): one line per event, with "audit": true. */
  mirror: Logger;
  /** This gateway instance's id (logger.ts instanceId()), written into every event. */
  instance: string;
  /** Milliseconds since the epoch (default Date.now): the event's time. */
  clock?: () => number;
  /**
   * Called with each event once it is chained (not for unrecorded ones): the pilot's per-day
   * aggregates are derived here, so that what is counted is exactly what the trail holds.
   * Its failures are reported through onError, never thrown.
   */
  onRecorded?: (event: AuditEvent) => Promise<void>;
  /** Told about every failure (bad event, storage down, mirror broken). Default: a JSON line on stderr. */
  onError?: (err: Error, event: { type?: unknown }) => void;
}

const OUTCOMES: readonly AuditOutcome[] = ['success', 'failure', 'info'];
const INPUT_STRINGS = ['actor', 'profession', 'clientId', 'reason'] as const;
const SOURCE_STRINGS = ['requestId', 'ip', 'userAgent'] as const;

type Body = Omit<AuditEvent, 'seq' | 'prev' | 'mac'>;

function defaultOnError(err: Error, event: { type?: unknown }): void {
  process.stderr.write(`${JSON.stringify({ level: 'error', audit: true, msg: 'audit recorder error', type: event.type, err: err.message })}\n`);
}

/**
 * Builds the stored body from what a caller gave: only the known fields, strings where strings
 * are expected (others dropped and listed), secrets dropped and listed in details.redacted.
 */
export function auditBody(input: AuditInput, source: AuditSource | undefined, time: string, instance: string): { body: Body; problems: string[] } {
  const problems: string[] = [];
  const body: Record<string, unknown> = { type: input.type, outcome: input.outcome, time, instance };
  for (const field of INPUT_STRINGS) {
    const value = input[field];
    if (value === undefined || value === null) continue;
    if (typeof value === 'string') body[field] = value;
    else problems.push(`${field}: expected a string, got ${typeof value}`);
  }
  if (input.details !== undefined && input.details !== null) {
    if (typeof input.details === 'object' && !Array.isArray(input.details)) body.details = { ...input.details };
    else problems.push(`details: expected an object, got ${Array.isArray(input.details) ? 'an array' : typeof input.details}`);
  }
  for (const field of SOURCE_STRINGS) {
    const value = source?.[field];
    if (typeof value === 'string' && value !== '') body[field] = value;
  }
  const findings = findSecrets(body);
  if (findings.length) {
    const redacted = new Set<string>();
    for (const { at } of findings) {
      const [top, second] = at;
      if (top === 'details' && typeof second === 'string') {
        delete (body.details as Record<string, unknown>)[second];
        redacted.add(`details.${second}`);
      } else if (typeof top === 'string' && top !== 'details') {
        delete body[top];
        redacted.add(top);
      } else {
        delete body.details;
        redacted.add('details');
      }
    }
    body.details = { ...(body.details as Record<string, unknown> | undefined), redacted: [...redacted].sort() };
  }
  return { body: body as Body, problems };
}

export function createAuditRecorder(options: AuditRecorderOptions): AuditRecorder {
  const { log, mirror, instance } = options;
  const clock = options.clock ?? Date.now;
  const onError = options.onError ?? defaultOnError;

  const report = (err: unknown, type: unknown) => {
    try {
      onError(err instanceof Error ? err : new Error(String(err)), { type });
    } catch {
      // the error hook itself failed: nothing more can be done without throwing
    }
  };

  const mirrorLine = (fields: Record<string, unknown>, type: unknown) => {
    try {
      mirror.info({ audit: true, ...fields }, 'audit event');
    } catch (err) {
      report(err, type);
    }
  };

  return {
    async record(input, source) {
      const type = (input as Partial<AuditInput> | null | undefined)?.type;
      let body: Body | undefined;
      try {
        const time = new Date(clock()).toISOString();
        if (!input || typeof input !== 'object') throw new TypeError(`audit record: expected an event object, got ${input === null ? 'null' : typeof input}`);
        const built = auditBody(input, source, time, instance);
        body = built.body;
        if (!(AUDIT_EVENT_TYPES as readonly string[]).includes(input.type)) {
          throw new TypeError(`audit record: expected a type from AUDIT_EVENT_TYPES, got ${JSON.stringify(input.type)}`);
        }
        if (!OUTCOMES.includes(input.outcome)) {
          throw new TypeError(`audit record: expected outcome success, failure or info, got ${JSON.stringify(input.outcome)} (type ${input.type})`);
        }
        if (built.problems.length) report(new TypeError(`audit record (${input.type}): ${built.problems.join('; ')} (dropped)`), type);
        const stored = await log.append(body);
        mirrorLine({ ...stored, chain: 'recorded' }, type);
        if (options.onRecorded) await options.onRecorded(stored).catch((err: unknown) => report(err, type));
      } catch (err) {
        report(err, type);
        // The SIEM still sees what happened, marked as missing from the chain.
        mirrorLine(
          {
            ...(body ?? { type: String(type), time: new Date().toISOString(), instance }),
            chain: 'unrecorded',
            chainError: err instanceof Error ? err.message : String(err),
          },
          type,
        );
      }
    },
  };
}

/**
 * The dedicated logger of the JSON-lines mirror: no pino timestamp or pid/hostname (the event
 * carries time and instance), level as a word, synchronous writes (a line is out before
 * record() resolves; the lines of one turn go in one write, mirror-lines.ts). `destination` is
 * 'stdout', 'stderr' (commands whose stdout is their output) or a file path (created with mode 0600,
 * appended to; its folder is created). `onWriteError` hears of lines a write could not take
 * (default: a JSON line on stderr).
 */
export function createAuditMirrorLogger(destination: 'stdout' | 'stderr' | string, onWriteError?: (err: Error, lines: number) => void): Logger {
  const stream =
    destination === 'stdout' || destination === 'stderr'
      ? pino.destination({ dest: destination === 'stdout' ? 1 : 2, sync: true })
      : pino.destination({ dest: destination, sync: true, append: true, mkdir: true, mode: 0o600 });
  return pino(
    {
      base: null,
      timestamp: false,
      formatters: { level: (label) => ({ level: label }) },
    },
    linesPerTurn(stream, onWriteError),
  );
}
