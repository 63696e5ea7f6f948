/**
 * GET /interaction/:uid/psc/done — the browser that started the interaction (its cookie)
 * collects the verified PSC result (single use) and the login is finished with the level
 * the assurance policy gave it.
 */
import type { RequestHandler } from 'express';
import { UserFacingError } from '../http/errors.ts';
import { interactionFor, type InteractionDeps } from './context.ts';
import type { PscResult } from './psc-callback.ts';

export function getPscDone(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const details = await interactionFor(deps.provider, req, res);
    const raw = await deps.store.take(deps.keys.interaction(details.uid, 'psc-result'));
    if (!raw) throw new UserFacingError(400, 'interaction_expired', 'no PSC result for this interaction');
    const result = JSON.parse(raw) as PscResult;
    await deps.provider.interactionFinished(req, res, {
      login: { accountId: result.accountId, acr: result.acr, amr: result.amr, remember: true },
    }, { mergeWithLastSubmission: false });
  };
}
