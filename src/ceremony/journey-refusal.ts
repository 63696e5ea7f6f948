/**
 * A WebAuthn ceremony that succeeded but cannot sign in here: a UserFacingError (403) whose
 * message is under `webauthn.error.` (answered as JSON by json-responses.ts, audited by
 * key-audit.ts).
 */
import { UserFacingError } from '../http/errors.ts';

/**
 * Why a ceremony that succeeded cannot sign in here: the level is too low, PSC must vouch again,
 * the key is past its maximum age (it must be confirmed through PSC), or a quick
 * re-authentication is not allowed (not on a shared-workstation network, or no full sign-in
 * there within the window).
 */
export type JourneyRefusalCode = 'insufficient-level' | 'psc-refresh-required' | 'key-age-expired' | 'quick-not-here' | 'quick-window-over';

/** A ceremony that succeeded but cannot sign in here (see JourneyRefusalCode): 403, its message under `webauthn.error.`. */
export class JourneyRefusal extends UserFacingError {
  declare readonly code: JourneyRefusalCode;
  constructor(code: JourneyRefusalCode, params: Record<string, string | number> = {}) {
    super(403, code, code, { messageKey: `webauthn.error.${code}`, params });
    this.name = 'JourneyRefusal';
  }
}
