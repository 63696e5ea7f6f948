/**
 * The error a route throws to refuse a request with a message for the person: its status, its
 * code (also the message key `error.<code>` in views/locales unless it names another key, with
 * the key's values) and, for a refused query, one line per parameter at fault; Retry-After when
 * the person is asked to wait. Kinds of it carry their own (limits/refusal.ts RateLimitedError,
 * the ceremonies' JourneyRefusal). How it is answered: http/refusal.ts.
 */

/** What was wrong with one parameter: a message key under views/locales and its values. */
export interface ParameterProblem {
  /** The parameter at fault, as the address names it. */
  parameter: string;
  /** Message key saying what was expected, e.g. `query.day`; gets `{parameter}` and `params`. */
  key: string;
  params: Record<string, string | number>;
}

export interface UserFacingErrorOptions {
  cause?: unknown;
  /** One line each under the message (a refused query's parameters). */
  problems?: readonly ParameterProblem[];
  /** Message key under views/locales when it is not `error.<code>`. */
  messageKey?: string;
  /** Values of the message key's `{placeholders}`. */
  params?: Record<string, string | number>;
  /** Seconds the person is asked to wait before trying again (Retry-After). */
  retryAfterSeconds?: number;
}

export class UserFacingError extends Error {
  readonly status: number;
  /** Key under `error.` in views/locales (unless messageKey names another), also shown as the error code. */
  readonly code: string;
  /** One line each under the message (a refused query's parameters); empty otherwise. */
  readonly problems: readonly ParameterProblem[];
  readonly messageKey: string | undefined;
  readonly params: Record<string, string | number>;
  readonly retryAfterSeconds: number | undefined;
  constructor(status: number, code: string, detail?: string, options?: UserFacingErrorOptions) {
    super(detail ?? code, options);
    this.name = 'UserFacingError';
    this.status = status;
    this.code = code;
    this.problems = options?.problems ?? [];
    this.messageKey = options?.messageKey;
    this.params = options?.params ?? {};
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}
