/**
 * POST /interaction/:uid/abort — the person goes back to the application without signing
 * in. The relying party receives `unmet_authentication_requirements` after the "niveau
 * insuffisant" page (the description says why: unmet-reason.ts), `temporarily_unavailable`
 * when the last PSC round trip of this interaction failed because PSC was unavailable, else
 * `access_denied`.
 */
import type { RequestHandler } from 'express';
import type { FederationFailure } from '../federation/index.ts';
import { oauthErrorFor } from '../federation/index.ts';
import { interactionFor, type InteractionDeps } from './context.ts';
import { DELEGATION_REASONS, takeUnmet, unmetDescription, unmetError } from './unmet-reason.ts';
import { gatewayProperties } from '../oidc/client-properties.ts';
import { PSC_FAILURE } from './psc-failure-page.ts';

const DESCRIPTIONS: Record<FederationFailure | 'cancelled', string> = {
  cancelled: 'the user cancelled the sign-in',
  refused: 'the user refused the sign-in at Pro Sante Connect',
  unavailable: 'Pro Sante Connect is unavailable',
  'invalid-state': 'the Pro Sante Connect round trip could not be verified',
  'invalid-response': 'the answer of Pro Sante Connect failed verification',
  'invalid-claims': 'Pro Sante Connect sent no usable professional identity',
};

export function postAbort(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const details = await interactionFor(deps.provider, req, res);
    const clientId = String(details.params.client_id);
    const actor = details.session?.accountId;
    const unmet = await takeUnmet(deps, details.uid);
    const delegating = gatewayProperties(await deps.provider.Client.find(clientId)).psc_delegation;
    if (unmet) {
      const error = unmetError(unmet);
      await deps.audit.record({ type: 'signin.failed', outcome: 'failure', clientId, actor, reason: error === 'access_denied' ? unmet.reason : error }, req);
      if (delegating && !DELEGATION_REASONS.has(unmet.reason))
        await deps.audit.record({ type: 'delegation.refused', outcome: 'failure', clientId, actor, reason: unmet.reason }, req);
      await deps.provider.interactionFinished(req, res, { error, error_description: unmetDescription(unmet) }, { mergeWithLastSubmission: false });
      return;
    }
    if (delegating) await deps.audit.record({ type: 'delegation.refused', outcome: 'failure', clientId, actor, reason: 'cancelled' }, req);
    const failure = await deps.journey.take(details.uid, PSC_FAILURE);
    const error = failure && Object.hasOwn(DESCRIPTIONS, failure) ? oauthErrorFor(failure) : 'access_denied';
    await deps.audit.record({ type: 'signin.failed', outcome: 'failure', clientId, actor, reason: failure ? `psc-${failure}` : 'cancelled' }, req);
    await deps.provider.interactionFinished(
      req,
      res,
      {
        error,
        error_description: failure && Object.hasOwn(DESCRIPTIONS, failure) ? DESCRIPTIONS[failure] : DESCRIPTIONS.cancelled,
      },
      { mergeWithLastSubmission: false },
    );
  };
}
