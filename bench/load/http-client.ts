/**
 * A lean HTTP client for the sign-in journeys: keep-alive connections (one agent for all
 * virtual users), one cookie jar per virtual user and host, redirects followed one at a time
 * so a journey can stop at the relying party's redirect_uri. Much cheaper per request than
 * fetch + tough-cookie + an HTML parser, so that the load generator leaves the CPU to the
 * stack it measures. `localhost` is reached on 127.0.0.1 (the servers bind there).
 *
 * As a browser does, a GET or HEAD sent on a kept-alive connection that the server closed at
 * that instant (a reset before any answer) is sent again once; a POST is not. A failed request
 * names its method, server and path (ids left out), so that the report says who failed.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface Reply {
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RequestInit {
  method?: string;
  form?: Record<string, string>;
  json?: unknown;
  headers?: Record<string, string>;
}

export class BenchHttpError extends Error {
  constructor(step: string, reply: Reply) {
    super(`${step}: HTTP ${reply.status} from ${reply.url.pathname} — ${reply.body.replace(/\s+/g, ' ').slice(0, 200)}`);
  }
}

/** The same URL on 127.0.0.1 when it names localhost (the stack's servers bind to 127.0.0.1). */
export function loopbackUrl(url: string): string {
  return url.replace('//localhost:', '//127.0.0.1:');
}

/** A request sent on a kept-alive connection that the server closed before answering (the close and the request crossed). */
class ReusedConnectionClosed extends Error {
  constructor(failure: Error) {
    super(failure.message, { cause: failure.cause });
  }
}

export const sharedAgent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });

/**
 * The User-Agent a workstation's browser sends. Every browser sends one, and the gateway keeps a
 * digest of it with the session (src/oidc/session-context.ts): without it a session's assurance
 * record is 64 B lighter in Redis than in production (the twelfth round's figures and those before).
 */
export const BROWSER_USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export class VirtualBrowser {
  /** host -> cookie name -> value */
  private readonly jars = new Map<string, Map<string, string>>();

  private readonly agent: Agent;

  /** Called before each request with its method and path (`--trace` marks the Redis trace with it). */
  onRequest: ((label: string) => Promise<void>) | undefined;

  constructor(agent: Agent = sharedAgent) {
    this.agent = agent;
  }

  /** Forgets every cookie: the next journey starts without a session. */
  clearCookies(): void {
    this.jars.clear();
  }

  async request(target: string | URL, init: RequestInit = {}): Promise<Reply> {
    const url = new URL(target);
    const headers: Record<string, string> = {
      host: url.host,
      'user-agent': BROWSER_USER_AGENT,
      accept: 'text/html',
      'accept-language': 'fr-FR',
      ...init.headers,
    };
    const jar = this.jars.get(url.host);
    if (jar?.size) headers.cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] = 'application/json';
      headers.accept = 'application/json';
    }
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const method = init.method ?? (body === undefined ? 'GET' : 'POST');
    const path = url.pathname.replace(/\/[A-Za-z0-9_-]{16,}/g, '/:id');
    if (this.onRequest) {
      const grant = init.form?.grant_type;
      await this.onRequest(`${method} ${path}${grant ? ` (${grant})` : ''}`);
    }
    const attempt = () => this.send(url, { method, path, headers, body });
    try {
      return await attempt();
    } catch (error) {
      // As a browser does: a GET sent on a kept-alive connection that the server closed at that instant is sent again, once, on another connection.
      if (error instanceof ReusedConnectionClosed && (method === 'GET' || method === 'HEAD')) return attempt();
      throw error;
    }
  }

  private send(url: URL, request: { method: string; path: string; headers: Record<string, string>; body: string | undefined }): Promise<Reply> {
    const { method, path, headers, body } = request;
    // A failed connection says which server and request it was (the journeys' errors are counted by message).
    const failure = (error: Error) => new Error(`${method} ${url.host}${path}: ${error.message}`, { cause: error });
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          agent: this.agent,
          host: url.hostname === 'localhost' ? '127.0.0.1' : url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method,
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (error: Error) => reject(failure(error)));
          res.on('end', () => {
            this.store(url.host, res.headers['set-cookie']);
            resolve({ url, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        const closedBeforeAnswer = req.reusedSocket && error.code === 'ECONNRESET';
        reject(closedBeforeAnswer ? new ReusedConnectionClosed(failure(error)) : failure(error));
      });
      req.end(body);
    });
  }

  /** Requests and follows redirects until an answer that is not one, or a URL `stopAt` accepts (not requested). */
  async follow(target: string | URL, init: RequestInit = {}, stopAt: (url: URL) => boolean = () => false): Promise<{ reply?: Reply; stoppedAt?: URL }> {
    let reply = await this.request(target, init);
    for (let hop = 0; hop < 15; hop += 1) {
      if (reply.status < 300 || reply.status >= 400 || !reply.headers.location) return { reply };
      const next = new URL(reply.headers.location, reply.url);
      if (stopAt(next)) return { stoppedAt: next };
      reply = await this.request(next);
    }
    throw new Error(`more than 15 redirects from ${String(target)}`);
  }

  private store(host: string, setCookies: string[] | undefined): void {
    if (!setCookies?.length) return;
    let jar = this.jars.get(host);
    if (!jar) this.jars.set(host, (jar = new Map()));
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=.*1970/i.test(a));
      if (!value || expired) jar.delete(name);
      else jar.set(name, value);
    }
  }
}

/** The value of an HTML attribute in the first tag matching `tag` (e.g. `<form[^>]*action="([^"]*)"`). */
export function htmlMatch(html: string, pattern: RegExp, what: string): string {
  const match = pattern.exec(html);
  if (!match?.[1]) throw new Error(`${what} not found in the page: ${html.replace(/\s+/g, ' ').slice(0, 200)}`);
  return match[1].replaceAll('&amp;', '&').replaceAll('&#x2F;', '/').replaceAll('&#39;', "'").replaceAll('&quot;', '"');
}
