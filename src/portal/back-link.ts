/**
 * The gateway's own pages (/account, /pilot, /admin): an error page there links back to the
 * clinician's account page, named in the page's language.
 */
import type { RequestHandler } from 'express';
import { setBackLink } from '../http/back-link.ts';

export const ACCOUNT_BACK_LINK = { nameKey: 'account.heading', url: '/account' } as const;

export const portalBackLink: RequestHandler = (_req, res, next) => {
  setBackLink(res, () => ACCOUNT_BACK_LINK);
  next();
};
