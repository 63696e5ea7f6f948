/**
 * Server-rendered pages: eta templates in views/ with auto-escaping on, one layout, the
 * locale's translator and the request's CSP nonce. Used by express routes and by
 * oidc-provider's own pages (errors, logout) alike.
 */
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import { loadCatalogs, translator, type Locale, type Translate } from './i18n.ts';

export const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));

export interface PageContext {
  lang: Locale;
  /** CSP nonce of this response. */
  nonce: string;
  /** Request id shown to the person so support can find the log line. */
  requestId?: string;
  /**
   * Path + query that shows this page again (http/current-step.ts), for the language link;
   * absent: the page cannot be shown again, and has no language link.
   */
  showAgainAt?: string;
}

export interface Views {
  render(template: string, page: PageContext, data?: Record<string, unknown>): string;
  t(lang: Locale): Translate;
  /** True when the French catalogue has this message key. */
  has(key: string): boolean;
}

export function createViews(viewsDir = VIEWS_DIR): Views {
  const eta = new Eta({ views: viewsDir, cache: true, autoEscape: true, autoTrim: false });
  const catalogs = loadCatalogs(viewsDir);
  const translators = { fr: translator(catalogs.fr), en: translator(catalogs.en) };
  return {
    t: (lang) => translators[lang],
    has: (key) => Object.hasOwn(catalogs.fr, key),
    render(template, page, data = {}) {
      return eta.render(template, { ...data, page, t: translators[page.lang], formatDate: dateFormatter(page.lang), langSwitchHref: switchHref(page) });
    },
  };
}

/** The language link: this page's address in the other language, or undefined when it has none. */
function switchHref(page: PageContext): string | undefined {
  if (page.showAgainAt === undefined) return undefined;
  const other = page.lang === 'fr' ? 'en' : 'fr';
  const url = new URL(page.showAgainAt, 'http://x');
  url.searchParams.set('lang', other);
  return `${url.pathname}${url.search}`;
}

const DATE_FORMATS = new Map<Locale, (epochMs: number) => string>();

/**
 * Dates as the clinician reads them: French or English words, Paris time. One formatter per
 * language, made once: building an Intl.DateTimeFormat cost about 0.3 ms per page.
 */
function dateFormatter(lang: Locale): (epochMs: number) => string {
  let formatter = DATE_FORMATS.get(lang);
  if (!formatter) {
    const format = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Paris' });
    formatter = (epochMs) => format.format(epochMs);
    DATE_FORMATS.set(lang, formatter);
  }
  return formatter;
}
