/**
 * A text of parts, each written by its own writer (StoreBatch.setPart): the parts joined by a
 * line feed, the empty ones at the end left off, so that a text whose first part alone is set
 * is that part as it is. A part never holds a line feed (JSON text and base64url ids never do;
 * setPart refuses one). The Redis batch script (redis-batch.ts) splits and joins the same way.
 */
export const PART_SEPARATOR = '\n';

/** The parts of a stored text (none when absent). */
export function textParts(text: string | null): string[] {
  return text === null ? [] : text.split(PART_SEPARATOR);
}

/** Part `index` of a stored text, '' when it has none. */
export function textPart(text: string | null, index: number): string {
  return textParts(text)[index] ?? '';
}

/** The text with part `index` replaced by `value`, the others kept ('' when no part is left). */
export function withTextPart(text: string | null, index: number, value: string): string {
  const parts = textParts(text);
  while (parts.length < index) parts.push('');
  parts[index] = value;
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.join(PART_SEPARATOR);
}

/** A part index and value as setPart takes them, checked: anything else is a caller bug. */
export function checkedPart(index: number, value: string): void {
  if (!Number.isInteger(index) || index < 0 || index > 15) throw new RangeError(`expected a part index from 0 to 15, got ${String(index)}`);
  if (typeof value !== 'string' || value.includes(PART_SEPARATOR)) throw new RangeError('expected a part without a line feed (text-parts.ts)');
}
