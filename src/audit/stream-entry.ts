/**
 * Reading one entry of the audit stream: the event in its field "e" (canonical JSON).
 * parseEntry throws AuditLogFormatError naming the entry (position, stream id) when it is not
 * a readable event; tryParse returns undefined instead (searches skip such entries: verify
 * reports them).
 */
import { isWellFormed } from './chain.ts';
import { AuditLogFormatError } from './log.ts';
import type { AuditEvent } from './types.ts';

/** An entry as XRANGE returns it. */
export type StreamEntry = [id: string, fields: string[]];

export function parseEntry(entry: StreamEntry, position: number): AuditEvent {
  const [id, fields] = entry;
  const index = fields.findIndex((name, i) => i % 2 === 0 && name === 'e');
  if (index < 0)
    throw new AuditLogFormatError(
      position,
      id,
      `an entry with fields [${fields
        .filter((_, i) => i % 2 === 0)
        .join(', ')
        .slice(0, 80)}] and no "e"`,
    );
  const value = parseJson(fields[index + 1] ?? '');
  if (value === undefined) throw new AuditLogFormatError(position, id, 'text that is not JSON');
  if (!isWellFormed(value)) throw new AuditLogFormatError(position, id, 'JSON without them');
  return value;
}

export function tryParse(entry: StreamEntry): AuditEvent | undefined {
  try {
    return parseEntry(entry, 0);
  } catch {
    return undefined;
  }
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
