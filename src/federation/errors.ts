/**
 * Why a PSC round trip failed, as one typed error. Each kind says what the person is told
 * (a message key in views/locales) and which OAuth error the relying party receives.
 */
export type FederationFailure =
  /** The practitioner refused at PSC (PSC returned access_denied). */
  | 'refused'
  /** PSC could not be reached, was too slow, or answered 5xx. */
  | 'unavailable'
  /** The callback's state is missing, unknown, expired, replayed or not bound to this browser. */
  | 'invalid-state'
  /** PSC's answer failed a check: issuer, audience, nonce, expiry, signature, PKCE. */
  | 'invalid-response'
  /** PSC vouched for an identity whose claims are unusable (no idNat, inconsistent sub). */
  | 'invalid-claims';

const OAUTH_ERROR: Record<FederationFailure, 'access_denied' | 'temporarily_unavailable'> = {
  refused: 'access_denied',
  unavailable: 'temporarily_unavailable',
  'invalid-state': 'access_denied',
  'invalid-response': 'access_denied',
  'invalid-claims': 'access_denied',
};

export class FederationError extends Error {
  readonly failure: FederationFailure;
  /** Interaction the failed round trip belonged to, when the state was found. */
  readonly uid: string | undefined;
  constructor(failure: FederationFailure, detail: string, options: { uid?: string; cause?: unknown } = {}) {
    super(`PSC federation ${failure}: ${detail}`, { cause: options.cause });
    this.name = 'FederationError';
    this.failure = failure;
    this.uid = options.uid;
  }
}

/** The OAuth error a relying party receives for a failed PSC round trip. */
export function oauthErrorFor(failure: FederationFailure): 'access_denied' | 'temporarily_unavailable' {
  return OAUTH_ERROR[failure];
}

/** Classifies an error thrown by openid-client / fetch while talking to PSC. */
export function classifyUpstreamError(err: unknown): FederationFailure {
  const e = err as { name?: string; message?: string; code?: string; status?: number; error?: string; cause?: { status?: number; code?: string } };
  if (e?.name === 'TypeError' && /fetch failed|network/i.test(e.message ?? '')) return 'unavailable';
  if (e?.code === 'OAUTH_TIMEOUT' || e?.code === 'OAUTH_ABORT' || e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'unavailable';
  const status = e?.status ?? e?.cause?.status;
  if (typeof status === 'number' && status >= 500) return 'unavailable';
  if (e?.error === 'temporarily_unavailable' || e?.error === 'server_error') return 'unavailable';
  return 'invalid-response';
}

/**
 * What an operator needs from an error thrown while talking to PSC: fetch's "fetch failed"
 * says nothing, its cause does (a refused TLS certificate, a reset); PSC's OAuth error and
 * description say why it refused (e.g. invalid_client: client certificate was not verified).
 */
export function upstreamDetail(err: unknown): string {
  const e = err as { message?: string; error?: unknown; error_description?: unknown; cause?: { code?: unknown; message?: unknown } };
  const parts = [String(e?.message ?? err)];
  if (typeof e?.error === 'string') parts.push(typeof e.error_description === 'string' ? `${e.error}: ${e.error_description}` : e.error);
  const cause = e?.cause;
  if (cause && typeof cause.message === 'string' && cause.message !== e.message)
    parts.push(typeof cause.code === 'string' ? `${cause.code}: ${cause.message}` : cause.message);
  return parts.join(' — ').slice(0, 500);
}
