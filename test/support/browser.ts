/**
 * A scripted browser for HTTP-level tests: a cookie jar (tough-cookie, so Path, SameSite
 * and expiry behave as in a browser for our cases), redirects followed one by one so a
 * test can stop at a relying party's redirect_uri, and HTML forms read with a real parser.
 */
import { CookieJar } from 'tough-cookie';
import { parse, type HTMLElement } from 'node-html-parser';

export interface Page {
  url: string;
  status: number;
  headers: Headers;
  body: string;
  /** Parsed document (only for HTML). */
  doc: HTMLElement;
  /** Visible text of the page's <main> (entities decoded, whitespace folded). */
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
}

export interface FollowOptions {
  /** Stop (without requesting it) when a redirect points at a URL for which this returns true. */
  stopAt?: (url: URL) => boolean;
  maxHops?: number;
  /** Rewrites every URL before it is requested (e.g. to alternate between two gateway instances). */
  route?: (url: URL) => URL;
}

export class TestBrowser {
  readonly jar = new CookieJar();
  route: (url: URL) => URL = (u) => u;
  readonly #fetch: typeof fetch;

  /** `fetch`: another Fetch API function, e.g. one trusting a test CA (default: the global fetch). */
  constructor(options: { fetch?: typeof fetch } = {}) {
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** One request, no redirect followed; cookies stored. */
  async request(
    url: string | URL,
    init: { method?: string; form?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Page> {
    const target = this.route(new URL(url));
    const headers: Record<string, string> = { accept: 'text/html', 'accept-language': 'fr-FR,fr;q=0.9', ...init.headers };
    const cookie = await this.jar.getCookieString(target.href);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] = 'application/json';
      headers.accept = 'application/json';
    }
    const response = await this.#fetch(target, { method: init.method ?? (body !== undefined ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    for (const setCookie of response.headers.getSetCookie()) {
      await this.jar.setCookie(setCookie, target.href, { ignoreError: true });
    }
    const text = await response.text();
    const doc = parse(text);
    const main = doc.querySelector('main') ?? doc;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { url: new URL(url).href, status: response.status, headers: response.headers, body: text, doc, text: main.text.replace(/\s+/g, ' ').trim(), json };
  }

  /** Requests `url` and follows redirects until a non-redirect answer or `stopAt` matches. */
  async follow(
    url: string | URL,
    init: { method?: string; form?: Record<string, string> } = {},
    options: FollowOptions = {},
  ): Promise<{ page?: Page; stoppedAt?: URL }> {
    let page = await this.request(url, init);
    for (let hop = 0; hop < (options.maxHops ?? 20); hop += 1) {
      if (page.status < 300 || page.status >= 400) return { page };
      const next = new URL(page.headers.get('location')!, page.url);
      if (options.stopAt?.(next)) return { stoppedAt: next };
      page = await this.request(next);
    }
    throw new Error(`more than ${options.maxHops ?? 20} redirects from ${String(url)}`);
  }

  /** Submits the form matching `selector` on `page`, with `fields` overriding its inputs. */
  async submit(page: Page, selector: string, fields: Record<string, string> = {}, options: FollowOptions & { button?: string } = {}) {
    const form = page.doc.querySelector(selector);
    if (!form) throw new Error(`no form "${selector}" on ${page.url} (status ${page.status}): ${page.body.slice(0, 300)}`);
    const values: Record<string, string> = {};
    for (const input of form.querySelectorAll('input')) {
      const name = input.getAttribute('name');
      const type = input.getAttribute('type') ?? 'text';
      if (!name) continue;
      if ((type === 'radio' || type === 'checkbox') && input.getAttribute('checked') === undefined) continue;
      values[name] = input.getAttribute('value') ?? '';
    }
    if (options.button) {
      const button = form.querySelector(options.button);
      if (!button) throw new Error(`no button "${options.button}" in form "${selector}"`);
      const name = button.getAttribute('name');
      if (name) values[name] = button.getAttribute('value') ?? '';
    }
    Object.assign(values, fields);
    const action = new URL(form.getAttribute('action') ?? page.url, page.url);
    return this.follow(action, { method: (form.getAttribute('method') ?? 'get').toUpperCase(), form: values }, options);
  }
}
