/**
 * Sends a rendered page from an express route: picks the locale (and remembers an explicit
 * `?lang=` in a cookie), passes the CSP nonce and request id (and the CSRF token a route put in
 * res.locals.csrf, for the page's forms) and the address that shows the page again for the
 * language link (current-step.ts), sets the status.
 */
import type { Request, Response } from 'express';
import { parseCookie as parseCookieHeader } from 'cookie';
import { LANG_COOKIE, LANG_COOKIE_OPTIONS, detectLocale, isLocale, type Locale } from './i18n.ts';
import type { Views } from './views.ts';
import { currentStepOf } from './current-step.ts';

export function localeOf(req: Request, res?: Response): Locale {
  const query = typeof req.query?.lang === 'string' ? req.query.lang : undefined;
  if (res && isLocale(query)) {
    res.cookie(LANG_COOKIE, query, { ...LANG_COOKIE_OPTIONS, secure: req.secure });
  }
  return detectLocale(query, readCookie(req, LANG_COOKIE), req.headers['accept-language']);
}

export function sendPage(views: Views, req: Request, res: Response, template: string, data: Record<string, unknown> = {}, status = 200): void {
  const lang = localeOf(req, res);
  const html = views.render(
    template,
    {
      lang,
      nonce: String(res.locals.cspNonce ?? ''),
      requestId: String(req.id ?? ''),
      showAgainAt: currentStepOf(req, res),
    },
    res.locals.csrf ? { csrf: res.locals.csrf, ...data } : data,
  );
  res.status(status).type('html').set('cache-control', 'no-store').send(html);
}

/** Reads one cookie of the request (undefined when absent or malformed). */
export function readCookie(req: Request, name: string): string | undefined {
  return parseCookieHeader(req.headers.cookie ?? '')[name];
}
