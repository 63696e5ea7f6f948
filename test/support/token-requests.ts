/**
 * Token requests as a test relying party sends them when it needs the HTTP answer itself (its
 * status, Retry-After, the OAuth error), where openid-client would throw: a refresh by `test-rp`
 * over plain fetch, and a code exchange through openid-client with its refusal read back.
 */
import * as client from 'openid-client';
import { exchange, type signIn } from './psc-login.ts';
import type { Stack } from './stack.ts';

export interface RefreshAnswer {
  status: number;
  retryAfter: string | null;
  body: { error?: string; refresh_token?: string; access_token?: string };
  /** How long the answer took. */
  ms: number;
}

/** `test-rp` refreshes `refreshToken` (client_secret_basic). */
export async function refreshAsTestRp(stack: Stack, refreshToken: string): Promise<RefreshAnswer> {
  const started = Date.now();
  const response = await fetch(`${stack.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`test-rp:${stack.secrets['test-rp']}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as RefreshAnswer['body'];
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body, ms: Date.now() - started };
}

/**
 * The code exchange as the relying party makes it: its tokens, or its refusal as openid-client
 * reports it (a 4xx as ResponseBodyError, a 5xx as an error whose cause is the response).
 */
export async function tryExchange(signedIn: Awaited<ReturnType<typeof signIn>>) {
  try {
    return { tokens: await exchange(signedIn), refused: undefined };
  } catch (err) {
    if (err instanceof client.ResponseBodyError) return { tokens: undefined, refused: { status: err.status, error: err.error } };
    const response = (err as { cause?: unknown }).cause;
    if (!(response instanceof Response)) throw err;
    const body = (await response.json()) as { error?: string };
    return { tokens: undefined, refused: { status: response.status, error: body.error } };
  }
}
