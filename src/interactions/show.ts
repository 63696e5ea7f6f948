/**
 * GET /interaction/:uid — the page of the current prompt: sign-in choices for `login` (the
 * account portal's naming the page it leads to),
 * the consent page for `consent`, listing every claim the application will receive
 * (first-party applications never see it). A session that only lacks the step an
 * application's rules ask (client_step_missing) goes to that step: a key as second factor at
 * once; a key enrolment through a new PSC sign-in (keys are bound right after PSC).
 */
import type { RequestHandler } from 'express';
import { sendPage } from '../http/page.ts';
import { gatewayProperties } from '../oidc/client-properties.ts';
import { ASSURANCE_CHECK, CLIENT_STEP_CHECK, CONTEXT_CHANGED_CHECK, SESSION_EXPIRED_CHECK } from '../oidc/assurance-check.ts';
import { assuranceOf, stepRulesAsk } from '../assurance/index.ts';
import { savePendingLogin } from './pending-login.ts';
import { requirementOf, signInChoices } from './requirement.ts';
import { recordUnmet } from './unmet-reason.ts';
import { sendUnmetPage } from './unmet-page.ts';
import { firstTimeInInteraction, interactionFor, type InteractionDeps, type InteractionDetails } from './context.ts';
import { finishConsent } from './consent.ts';
import { consentClaims } from './consent-claims.ts';
import { rememberInteractionClient } from './interaction-client.ts';
import { PORTAL_CLIENT_ID } from '../portal/portal-client.ts';
import { portalSignInDestination } from '../portal/destination.ts';
import { onSharedWorkstation, openPasses } from './workstation-pass.ts';
import { presenceMeets } from './quick-reauth.ts';

const REASON_MESSAGES: Record<string, string> = {
  max_age: 'login.reasonMaxAge',
  login_prompt: 'login.reasonPromptLogin',
  [SESSION_EXPIRED_CHECK]: 'login.reasonExpired',
  [CLIENT_STEP_CHECK]: 'login.reasonKeyRequired',
  [CONTEXT_CHANGED_CHECK]: 'login.reasonContextChanged',
};

/** When the session lacks only a key as second factor: keeps its login pending for that step and says so. */
async function secondFactorForSession(deps: InteractionDeps, details: InteractionDetails): Promise<boolean> {
  const session = details.session;
  if (!session?.accountId || !session.uid || !details.prompt.reasons.every((r) => r === CLIENT_STEP_CHECK)) return false;
  const record = await deps.sessions.get(session.uid);
  if (!record || record.accountId !== session.accountId || record.revokedAt !== undefined) return false;
  const rules = gatewayProperties(await deps.provider.Client.find(String(details.params.client_id)));
  const keys = (await deps.credentials.listUsable(record.accountId)).length;
  if (stepRulesAsk(deps.policy, rules, record, keys) !== 'second-factor') return false;
  await savePendingLogin(deps, details.uid, 'second-factor', { accountId: record.accountId, authTime: record.loginAt, assurance: assuranceOf(record) });
  return true;
}

export function showInteraction(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const details = await interactionFor(deps.provider, req, res);
    await rememberInteractionClient(deps, details.uid, String(details.params.client_id));
    const client = await deps.provider.Client.find(String(details.params.client_id));
    const clientName = client?.clientName ?? String(details.params.client_id);
    if (details.prompt.name === 'login') {
      if (await secondFactorForSession(deps, details)) {
        res.redirect(303, `/interaction/${details.uid}/second-factor`);
        return;
      }
      const requirement = await requirementOf(deps, details);
      const choices = await signInChoices(deps, details, requirement);
      const stepUp = Boolean(details.session?.accountId) && details.prompt.reasons.includes(ASSURANCE_CHECK);
      const clientId = String(details.params.client_id);
      const actor = details.session?.accountId;
      const wanted = { level: requirement.level, phishingResistant: requirement.phishingResistant, hardwareProtected: requirement.hardwareProtected };
      const delegation = gatewayProperties(client).psc_delegation;
      if (await firstTimeInInteraction(deps, details.uid, 'started')) {
        await deps.audit.record({ type: 'signin.started', outcome: 'info', clientId, actor, details: { reasons: details.prompt.reasons, ...wanted } }, req);
        if (delegation) await deps.audit.record({ type: 'delegation.started', outcome: 'info', clientId, actor }, req);
        if (stepUp) await deps.audit.record({ type: 'stepup.asked', outcome: 'info', clientId, actor, details: wanted }, req);
      }
      if (choices.none) {
        await deps.audit.record({ type: 'stepup.unmet', outcome: 'failure', clientId, actor, reason: 'no-means-reaches-the-level', details: wanted }, req);
        await recordUnmet(deps, details.uid, { reason: 'no-means-reaches-the-level', requirement });
        sendUnmetPage(deps, req, res, details.uid, { clientName, requirement });
        return;
      }
      // The step-up notice speaks of "one of the means below" only when more than one is shown.
      const meansShown = Number(choices.key) + Number(choices.pscCard || choices.pscEcps);
      const reason = stepUp ? (meansShown > 1 ? 'login.stepUp' : 'login.stepUpOne') : details.prompt.reasons.map((r) => REASON_MESSAGES[r]).find(Boolean);
      // The account portal's sign-in names the page it leads to (account, pilot dashboard, audit trail).
      const destination = clientId === PORTAL_CLIENT_ID ? await portalSignInDestination(deps, details.params.state) : undefined;
      // On a shared workstation where someone signed in fully lately, a touch of their key may reopen a session (quick-reauth.ts).
      const quick =
        !delegation && onSharedWorkstation(deps, req) && (await openPasses(deps, req, deps.clock())).length > 0 && (await presenceMeets(deps, details));
      sendPage(deps.views, req, res, 'login', { uid: details.uid, clientName, destination, reason, choices, requirement, quick, delegation });
      return;
    }
    if (gatewayProperties(client).first_party) {
      await finishConsent(deps, req, res, details);
      return;
    }
    const { claims, offlineAccess } = consentClaims(details.params, client);
    sendPage(deps.views, req, res, 'consent', { uid: details.uid, clientName, claims, offlineAccess });
  };
}
