/**
 * The level ladder of the RIE, lowest first, with the same words as PSC so that a relying
 * party can move from PSC to the gateway without change.
 */
export const LEVELS = ['eidas1', 'eidas2', 'eidas3'] as const;
export type Level = (typeof LEVELS)[number];

/** The ladder's steps by the eIDAS regulation's names (low, substantial, high), for code that means one of them. */
export const [LOW, SUBSTANTIAL, HIGH] = LEVELS;

export function isLevel(value: unknown): value is Level {
  return typeof value === 'string' && (LEVELS as readonly string[]).includes(value);
}

/** Negative when a is below b, 0 when equal, positive when above. */
export function compareLevels(a: Level, b: Level): number {
  return LEVELS.indexOf(a) - LEVELS.indexOf(b);
}

export function lowerLevel(a: Level, b: Level): Level {
  return compareLevels(a, b) <= 0 ? a : b;
}

/** The levels at or above `floor`, lowest first. */
export function levelsFrom(floor: Level): Level[] {
  return LEVELS.filter((level) => compareLevels(level, floor) >= 0);
}
