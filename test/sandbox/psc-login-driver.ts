/**
 * Drives the PSC simulator's login page like a browser without JavaScript: plain fetch with
 * `redirect: 'manual'` and a tiny cookie jar. Usable by the gateway's tests too:
 * `await pscLogin(authorizationUrl, { redirectUri, practitioner: '810101234561', means: 'ecps' })`.
 */

/** Cookies by host, with the path they were set for (enough for oidc-provider's cookies). */
export class CookieJar {
  readonly #cookies = new Map<string, Map<string, { value: string; path: string }>>();

  store(url: URL, response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const pathAttr = attributes.find((a) => a.toLowerCase().startsWith('path='));
      const path = pathAttr ? pathAttr.slice(5) : '/';
      const expired = attributes.some((a) => /^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()) || value === '';
      const host = this.#cookies.get(url.host) ?? new Map();
      if (expired) host.delete(`${path} ${name}`);
      else host.set(`${path} ${name}`, { value, path });
      this.#cookies.set(url.host, host);
    }
  }

  header(url: URL): string {
    const host = this.#cookies.get(url.host);
    if (!host) return '';
    return [...host.entries()]
      .filter(([, c]) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([key, c]) => `${key.slice(key.indexOf(' ') + 1)}=${c.value}`)
      .join('; ');
  }
}

/** One request with the jar's cookies; stores the cookies the answer sets. */
export async function request(jar: CookieJar, url: string | URL, init: RequestInit = {}): Promise<Response> {
  const target = new URL(url);
  const headers = new Headers(init.headers);
  const cookie = jar.header(target);
  if (cookie) headers.set('cookie', cookie);
  const response = await fetch(target, { ...init, headers, redirect: 'manual' });
  jar.store(target, response);
  return response;
}

/** Follows redirects until a non-redirect answer or a Location starting with `stopAt`. */
export async function follow(jar: CookieJar, url: string | URL, stopAt: string, init: RequestInit = {}): Promise<{ response: Response; url: URL }> {
  let current = new URL(url);
  let response = await request(jar, current, init);
  for (let hops = 0; hops < 10; hops++) {
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return { response, url: current };
    const next = new URL(location, current);
    if (next.href.startsWith(stopAt)) return { response, url: next };
    current = next;
    response = await request(jar, current);
  }
  throw new Error(`too many redirects, last at ${current.href}`);
}

export interface LoginChoice {
  /** RP redirect_uri: the driver stops when redirected there. */
  redirectUri: string;
  /** idNat of the test practitioner (default: the page's pre-selected one). */
  practitioner?: string;
  /** 'card' (Carte CPS) or 'ecps' (Application e-CPS); default 'card'. */
  means?: string;
  /** '', 'eidas1', 'eidas2' or 'eidas3'. */
  forceAcr?: string;
  /** '', 'unknown' or 'absent'. */
  forceAuthMode?: string;
  /** 'login' (Se connecter) or 'refuse' (Refuser); default 'login'. */
  action?: string;
}

export interface LoginPageVisit {
  jar: CookieJar;
  /** URL of the login page (/interaction/:uid). */
  pageUrl: URL;
  /** Its HTML. */
  html: string;
  response: Response;
}

/** Opens the authorization URL and stops on the simulator's login page. */
export async function openLoginPage(authorizationUrl: string | URL, jar = new CookieJar()): Promise<LoginPageVisit> {
  const { response, url } = await follow(jar, authorizationUrl, '\u0000');
  const html = await response.text();
  if (response.status !== 200 || !url.pathname.startsWith('/interaction/')) {
    throw new Error(`expected the simulator's login page, got HTTP ${response.status} at ${url.href}: ${html.slice(0, 300)}`);
  }
  return { jar, pageUrl: url, html, response };
}

/** Posts the login form as a browser would (urlencoded). */
export function postLoginForm(visit: LoginPageVisit, fields: Record<string, string>): Promise<Response> {
  return request(visit.jar, visit.pageUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Full login: returns the URL the simulator redirects the browser to (the RP callback). */
export async function pscLogin(authorizationUrl: string | URL, choice: LoginChoice, jar = new CookieJar()): Promise<URL> {
  const visit = await openLoginPage(authorizationUrl, jar);
  const preselected = /name="practitioner"[^>]*value="([^"]+)"[^>]*checked/.exec(visit.html)?.[1];
  const fields: Record<string, string> = {
    action: choice.action ?? 'login',
    practitioner: choice.practitioner ?? preselected ?? '',
    means: choice.means ?? 'card',
    forceAcr: choice.forceAcr ?? '',
    forceAuthMode: choice.forceAuthMode ?? '',
  };
  const submitted = await postLoginForm(visit, fields);
  const location = submitted.headers.get('location');
  if (submitted.status !== 303 || !location) {
    throw new Error(`expected a 303 after the login form, got HTTP ${submitted.status}: ${(await submitted.text()).slice(0, 300)}`);
  }
  const next = new URL(location, visit.pageUrl);
  if (next.href.startsWith(choice.redirectUri)) return next;
  const { url } = await follow(jar, next, choice.redirectUri);
  if (!url.href.startsWith(choice.redirectUri)) throw new Error(`expected a redirect to ${choice.redirectUri}, stopped at ${url.href}`);
  return url;
}
