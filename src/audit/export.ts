/**
 * Export formats: JSON lines (one canonical event per line, verifiable again with the MAC
 * key) and CSV (RFC 4180, for spreadsheets: fixed columns, details as JSON, cells that a
 * spreadsheet would run as a formula prefixed with an apostrophe).
 */
import { canonical } from './canonical.ts';
import { isWellFormed } from './chain.ts';
import type { AuditEvent } from './types.ts';

export const CSV_COLUMNS = [
  'seq',
  'time',
  'type',
  'outcome',
  'actor',
  'profession',
  'clientId',
  'reason',
  'ip',
  'userAgent',
  'requestId',
  'instance',
  'details',
  'mac',
] as const;

/** One canonical JSON event per line, each line ending with "\n" ("" for no events). */
export function toJsonl(events: readonly AuditEvent[]): string {
  return events.map((event) => `${canonical(event)}\n`).join('');
}

/** Events of a JSON-lines text (blank lines skipped). Throws naming the line that is not an event. */
export function parseJsonl(text: string): AuditEvent[] {
  const events: AuditEvent[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new SyntaxError(`audit JSON lines, line ${i + 1}: expected a JSON object, got ${JSON.stringify(line.slice(0, 40))}`);
    }
    if (!isWellFormed(value))
      throw new TypeError(`audit JSON lines, line ${i + 1}: expected an audit event with seq, time, instance, type, outcome, prev and mac`);
    events.push(value);
  });
  return events;
}

/** A CSV cell: quoted when it holds a comma, quote, CR or LF (quotes doubled). */
export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Text that a spreadsheet would evaluate (=, +, -, @, tab, CR first) gets a leading apostrophe. */
function inert(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** Header row (unless `header: false`, for the pages after the first) + one row per event, CRLF line ends (RFC 4180). Columns: CSV_COLUMNS. */
export function toCsv(events: readonly AuditEvent[], options: { header?: boolean } = {}): string {
  const rows = options.header === false ? [] : [CSV_COLUMNS.join(',')];
  for (const event of events) {
    const cells = CSV_COLUMNS.map((column) => {
      if (column === 'seq') return String(event.seq);
      if (column === 'details') return event.details === undefined ? '' : canonical(event.details);
      const value = event[column];
      return value === undefined || value === null ? '' : inert(String(value));
    });
    rows.push(cells.map(csvCell).join(','));
  }
  return rows.length ? `${rows.join('\r\n')}\r\n` : '';
}
