/**
 * The way back to an application that an error page offers: the application's name (or a
 * message key naming it) and, when it registered one, the address to open. A route that knows
 * the application sets a finder on the response; the error handler calls it only when it shows
 * an error page, and a finder that fails (store outage) means no link, never another error.
 */
import type { Response } from 'express';

export interface BackLink {
  /** The application's name as registered (client_name). */
  name?: string;
  /** Or a message key naming it in the page's language (the gateway's own pages). */
  nameKey?: string;
  /** Address to open; absent when the application registers none (the page then says what to do). */
  url?: string;
}

export type BackLinkFinder = () => Promise<BackLink | undefined> | BackLink | undefined;

const LOCALS_KEY = 'backLink';

/** Remembers how to find the way back, should this request end on an error page. */
export function setBackLink(res: Response, find: BackLinkFinder): void {
  res.locals[LOCALS_KEY] = find;
}

/** The way back for this response, or undefined (none set, or the finder failed). */
export async function backLinkOf(res: Response): Promise<BackLink | undefined> {
  const find = res.locals[LOCALS_KEY] as BackLinkFinder | undefined;
  if (!find) return undefined;
  try {
    return await find();
  } catch {
    return undefined;
  }
}
