/**
 * GET /interaction/:uid — the page of the current prompt: sign-in choices for `login`,
 * the consent page for `consent` (first-party applications never see it).
 */
import type { RequestHandler } from 'express';
import { sendPage } from '../http/page.ts';
import { gatewayProperties } from '../oidc/client-properties.ts';
import { ASSURANCE_CHECK, SESSION_EXPIRED_CHECK } from '../oidc/assurance-check.ts';
import { requirementOf, signInChoices } from './requirement.ts';
import { recordUnmet } from './unmet-reason.ts';
import { firstTimeInInteraction, interactionFor, type InteractionDeps } from './context.ts';
import { finishConsent } from './consent.ts';

const REASON_MESSAGES: Record<string, string> = {
  max_age: 'login.reasonMaxAge',
  login_prompt: 'login.reasonPromptLogin',
  [SESSION_EXPIRED_CHECK]: 'login.reasonExpired',
};

export function showInteraction(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const details = await interactionFor(deps.provider, req, res);
    const client = await deps.provider.Client.find(String(details.params.client_id));
    const clientName = client?.clientName ?? String(details.params.client_id);
    if (details.prompt.name === 'login') {
      const requirement = await requirementOf(deps, details);
      const choices = await signInChoices(deps, details, requirement);
      const stepUp = Boolean(details.session?.accountId) && details.prompt.reasons.includes(ASSURANCE_CHECK);
      const clientId = String(details.params.client_id);
      const actor = details.session?.accountId;
      const wanted = { level: requirement.level, phishingResistant: requirement.phishingResistant, hardwareProtected: requirement.hardwareProtected };
      if (await firstTimeInInteraction(deps, details.uid, 'started')) {
        await deps.audit.record({ type: 'signin.started', outcome: 'info', clientId, actor, details: { reasons: details.prompt.reasons, ...wanted } }, req);
        if (stepUp) await deps.audit.record({ type: 'stepup.asked', outcome: 'info', clientId, actor, details: wanted }, req);
      }
      if (choices.none) {
        await deps.audit.record({ type: 'stepup.unmet', outcome: 'failure', clientId, actor, reason: 'no-means-reaches-the-level', details: wanted }, req);
        await recordUnmet(deps, details.uid, { reason: 'no-means-reaches-the-level', requirement });
        sendPage(deps.views, req, res, 'unmet', { uid: details.uid, clientName, requirement }, 403);
        return;
      }
      const reason = stepUp ? 'login.stepUp' : details.prompt.reasons.map((r) => REASON_MESSAGES[r]).find(Boolean);
      sendPage(deps.views, req, res, 'login', { uid: details.uid, clientName, reason, choices, requirement });
      return;
    }
    if (gatewayProperties(client).first_party) {
      await finishConsent(deps, req, res, details);
      return;
    }
    const missing = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
    const scopes = missing.filter((s) => deps.views.has(`consent.scope.${s}`));
    sendPage(deps.views, req, res, 'consent', { uid: details.uid, clientName, scopes });
  };
}
