/**
 * POST /interaction/:uid/psc — sends the clinician to Pro Santé Connect. The round trip's
 * state is stored (federation/psc-login.ts) and bound to this browser with a cookie that
 * only the callback path receives. PSC is asked for a fresh authentication (prompt=login)
 * when the request needs one or when PSC already answered below the level in this interaction.
 * Never for a sign-in PSC itself asked for (a delegation client): that would be a loop.
 */
import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { FederationError } from '../federation/index.ts';
import { UserFacingError } from '../http/errors.ts';
import { gatewayProperties } from '../oidc/client-properties.ts';
import { interactionFor, pscBindingCookie, type InteractionDeps } from './context.ts';
import { ASSURANCE_CHECK, SESSION_EXPIRED_CHECK } from '../oidc/assurance-check.ts';
import { ABORT_REASON, PSC_FELL_SHORT } from './unmet-reason.ts';
import { isShownFailure, PSC_FAILURE, recordPscFailure, sendPscFailurePage } from './psc-failure-page.ts';

/**
 * Prompt reasons that need a fresh authentication at PSC, not a reused PSC session: the
 * relying party asked for one, the session ended, or a step-up (PSC would otherwise answer
 * with the means of its own session, e.g. e-CPS again when the card is needed).
 */
const REAUTHENTICATION_REASONS = new Set(['login_prompt', 'max_age', ASSURANCE_CHECK, SESSION_EXPIRED_CHECK]);

/** Outcomes of an earlier round trip that a new one replaces (abort.ts reports the last one). */
const EARLIER_OUTCOMES = [ABORT_REASON, PSC_FAILURE];

export function stateDigest(state: string): string {
  return createHash('sha256').update(state).digest('base64url').slice(0, 16);
}

export function postPscStart(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const details = await interactionFor(deps.provider, req, res);
    if (gatewayProperties(await deps.provider.Client.find(String(details.params.client_id))).psc_delegation) {
      throw new UserFacingError(400, 'psc_for_psc', 'Pro Santé Connect delegated this sign-in: it is never sent back to Pro Santé Connect');
    }
    try {
      // A first sign-in (no gateway session: reason no_session) whose PSC answer fell short
      // (e-CPS when the card is needed) is marked by after-psc: PSC's own session would
      // otherwise answer with the same means again, without showing the clinician anything.
      const fellShort = (await deps.journey.get(details.uid, PSC_FELL_SHORT)) !== undefined;
      const reauthenticate = fellShort || details.prompt.reasons.some((r) => REAUTHENTICATION_REASONS.has(r));
      await deps.journey.del(details.uid, ...EARLIER_OUTCOMES);
      const { url, state } = await deps.psc.start(details.uid, { reauthenticate });
      res.cookie(pscBindingCookie(stateDigest(state)), state, {
        httpOnly: true,
        sameSite: 'lax',
        secure: deps.config.issuer.startsWith('https://'),
        path: '/federation/psc',
        maxAge: deps.config.psc.stateTtlSeconds * 1000,
      });
      res.redirect(303, url.href);
    } catch (err) {
      if (!(err instanceof FederationError)) throw err;
      req.log.warn({ failure: err.failure, detail: err.message }, 'PSC round trip could not start');
      await recordPscFailure(deps, details.uid, err.failure);
      const failure = isShownFailure(err.failure) ? err.failure : 'invalid-response';
      sendPscFailurePage(deps, req, res, details.uid, failure, failure === 'unavailable' ? 503 : 502);
    }
  };
}
