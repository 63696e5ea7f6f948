/**
 * Every HTTP answer a chaos test's clinicians and relying parties see, with when it was asked
 * and how long it took: a TestBrowser that records its answers, and the fetch openid-client
 * uses for the relying party's back-channel calls (token, userinfo). Both give up after
 * ANSWER_DEADLINE_MS, so a hang fails the test instead of stalling it.
 */
import * as client from 'openid-client';
import { TestBrowser, type Page } from '../support/browser.ts';

/** Longer than any answer a healthy or Redis-less gateway gives (commands time out after 3 s). */
export const ANSWER_DEADLINE_MS = 5_000;

export interface Answer {
  method: string;
  url: string;
  status: number;
  /** When the request was sent (epoch ms). */
  at: number;
  /** How long the answer took. */
  ms: number;
  location: string | null;
  retryAfter: string | null;
  /** The visible text (HTML) or the body (anything else), cut short. */
  excerpt: string;
  /** The `error` of a JSON body. */
  error: string | undefined;
}

export type AnswerSink = (answer: Answer) => void;

/** Rejects with the request's name when `promise` has not settled within ANSWER_DEADLINE_MS. */
function withDeadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_DEADLINE_MS} ms: ${what}`)), ANSWER_DEADLINE_MS);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function errorOf(json: unknown): string | undefined {
  return typeof json === 'object' && json !== null && 'error' in json && typeof json.error === 'string' ? json.error : undefined;
}

/** A TestBrowser whose every answer goes to `sink` (TestBrowser.request takes no signal: a race stands in). */
export class RecordingBrowser extends TestBrowser {
  readonly sink: AnswerSink;

  constructor(sink: AnswerSink) {
    super();
    this.sink = sink;
  }

  override async request(url: string | URL, init: Parameters<TestBrowser['request']>[1] = {}): Promise<Page> {
    const method = init.method ?? (init.form || init.json !== undefined ? 'POST' : 'GET');
    const at = Date.now();
    const page = await withDeadline(super.request(url, init), `${method} ${String(url)}`);
    const html = (page.headers.get('content-type') ?? '').includes('text/html');
    this.sink({
      method,
      url: page.url,
      status: page.status,
      at,
      ms: Date.now() - at,
      location: page.headers.get('location'),
      retryAfter: page.headers.get('retry-after'),
      excerpt: (html ? page.text : page.body).slice(0, 200),
      error: errorOf(page.json),
    });
    return page;
  }
}

/** Makes openid-client send the relying party's requests through `sink`, each with a deadline. */
export function recordRelyingParty(config: client.Configuration, sink: () => AnswerSink): void {
  config[client.customFetch] = async (url, options) => {
    const at = Date.now();
    const signal = AbortSignal.any([AbortSignal.timeout(ANSWER_DEADLINE_MS), ...(options.signal ? [options.signal] : [])]);
    const response = await fetch(url, { ...options, signal } as RequestInit);
    const body = await response.clone().text();
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    sink()({
      method: options.method,
      url,
      status: response.status,
      at,
      ms: Date.now() - at,
      location: response.headers.get('location'),
      retryAfter: response.headers.get('retry-after'),
      excerpt: body.slice(0, 200),
      error: errorOf(json),
    });
    return response;
  };
}
