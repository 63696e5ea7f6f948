/**
 * GET /interaction/:uid/psc/done — the browser that started the interaction (its cookie)
 * collects the verified PSC result (single use); then a second factor, a key enrolment or
 * straight back to the application (after-psc.ts).
 */
import type { RequestHandler } from 'express';
import { UserFacingError } from '../http/errors.ts';
import { interactionFor, type InteractionDeps } from './context.ts';
import { continueAfterPsc } from './after-psc.ts';

export function getPscDone(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const details = await interactionFor(deps.provider, req, res);
    const login = await deps.journey.take(details.uid, 'psc-result');
    if (!login) throw new UserFacingError(400, 'interaction_expired', 'no PSC result for this interaction');
    await continueAfterPsc(deps, req, res, details, login);
  };
}
