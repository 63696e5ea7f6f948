/**
 * French first, English available. The locale comes from `?lang=`, then the `hc_lang`
 * cookie, then Accept-Language; anything else falls back to French. Messages live in
 * views/locales/<lang>.json; a missing key shows the key itself (and a test catches it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCALES = ['fr', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const LANG_COOKIE = 'hc_lang';
/** How an explicit `?lang=` is remembered (add `secure` on HTTPS): a year, every path, not for scripts. */
export const LANG_COOKIE_OPTIONS = { httpOnly: true, sameSite: 'lax', maxAge: 365 * 24 * 3600 * 1000, path: '/' } as const;

export type Translate = (key: string, params?: Record<string, string | number>) => string;

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export function detectLocale(query: unknown, cookie: unknown, acceptLanguage: string | undefined): Locale {
  if (isLocale(query)) return query;
  if (isLocale(cookie)) return cookie;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]?.trim().slice(0, 2).toLowerCase();
    if (isLocale(tag)) return tag;
  }
  return 'fr';
}

export function loadCatalogs(viewsDir: string): Record<Locale, Record<string, string>> {
  const read = (lang: Locale) => JSON.parse(readFileSync(join(viewsDir, 'locales', `${lang}.json`), 'utf8')) as Record<string, string>;
  return { fr: read('fr'), en: read('en') };
}

export function translator(catalog: Record<string, string>): Translate {
  return (key, params = {}) => {
    const text = catalog[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name: string) => (name in params ? String(params[name]) : `{${name}}`));
  };
}
