/**
 * The demo application's own sessions, in memory (it is a sandbox peer, one process).
 * A random cookie names the session; back-channel logout ends the sessions of a `sid`.
 */
import { randomBytes } from 'node:crypto';

export interface RpSession {
  pending?: { state: string; nonce: string; verifier: string; returnTo?: string };
  /** `tokenType`: `dpop` when the access token is bound to the application's DPoP key, else `bearer`. */
  user?: { claims: Record<string, unknown>; idTokenClaims: Record<string, unknown>; idToken: string; sid?: string | undefined; tokenType?: string };
}

export class RpSessions {
  readonly #sessions = new Map<string, RpSession>();

  create(): { id: string; session: RpSession } {
    const id = randomBytes(18).toString('base64url');
    const session: RpSession = {};
    this.#sessions.set(id, session);
    return { id, session };
  }

  get(id: string | undefined): RpSession | undefined {
    return id ? this.#sessions.get(id) : undefined;
  }

  delete(id: string): void {
    this.#sessions.delete(id);
  }

  /** Ends every session of this gateway session id (back-channel logout); returns how many. */
  endBySid(sid: string): number {
    let ended = 0;
    for (const session of this.#sessions.values()) {
      if (session.user?.sid === sid) {
        delete session.user;
        ended += 1;
      }
    }
    return ended;
  }
}
