/**
 * POST /interaction/:uid/psc — sends the clinician to Pro Santé Connect. The round trip's
 * state is stored (federation/psc-login.ts) and bound to this browser with a cookie that
 * only the callback path receives.
 */
import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { FederationError } from '../federation/index.ts';
import { sendPage } from '../http/page.ts';
import { interactionFor, pscBindingCookie, type InteractionDeps } from './context.ts';
import { ASSURANCE_CHECK, SESSION_EXPIRED_CHECK } from '../oidc/assurance-check.ts';

/**
 * Prompt reasons that need a fresh authentication at PSC, not a reused PSC session: the
 * relying party asked for one, the session ended, or a step-up (PSC would otherwise answer
 * with the means of its own session, e.g. e-CPS again when the card is needed).
 */
const REAUTHENTICATION_REASONS = new Set(['login_prompt', 'max_age', ASSURANCE_CHECK, SESSION_EXPIRED_CHECK]);

export function stateDigest(state: string): string {
  return createHash('sha256').update(state).digest('base64url').slice(0, 16);
}

export function postPscStart(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const details = await interactionFor(deps.provider, req, res);
    try {
      const reauthenticate = details.prompt.reasons.some((r) => REAUTHENTICATION_REASONS.has(r));
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
      await deps.store.set(deps.keys.interaction(details.uid, 'psc-failure'), err.failure, deps.config.ttl.interaction);
      sendPage(deps.views, req, res, 'psc-error', { uid: details.uid, failure: err.failure, canRetry: true }, err.failure === 'unavailable' ? 503 : 502);
    }
  };
}
