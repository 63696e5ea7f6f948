/**
 * What follows a verified PSC sign-in: when it falls short of what the application needs,
 * one of the clinician's keys if that completes it, else a page saying what is needed; a
 * second factor when the application asks for one after e-CPS; an offer to enrol a key when
 * the clinician has none (or a requirement, per application); otherwise back to the application.
 */
import type { Request, Response } from 'express';
import { gatewayProperties } from '../oidc/client-properties.ts';
import { asksSecondFactorAfter, satisfies } from '../assurance/index.ts';
import { sendPage } from '../http/page.ts';
import { keyCompletes, requirementOf } from './requirement.ts';
import { recordUnmet } from './unmet-reason.ts';
import type { InteractionDeps, InteractionDetails } from './context.ts';
import { finishLogin } from './finish-login.ts';
import { savePendingLogin, type PendingLogin } from './pending-login.ts';

export type NextStep = 'second-factor' | 'enrol' | 'finish' | 'unmet';

export async function nextStepAfterPsc(deps: InteractionDeps, details: InteractionDetails, login: PendingLogin): Promise<NextStep> {
  const client = await deps.provider.Client.find(String(details.params.client_id));
  const settings = gatewayProperties(client);
  const requirement = await requirementOf(deps, details);
  const keys = (await deps.credentials.listByAccount(login.accountId)).filter((c) => !c.blocked);
  const enough = satisfies(login, requirement);
  if (!enough) return keys.length > 0 && keyCompletes(deps.policy, login.method, requirement) ? 'second-factor' : 'unmet';
  if (settings.key_after_ecps && asksSecondFactorAfter(deps.policy, login.method) && keys.length > 0) return 'second-factor';
  if (keys.length === 0 && settings.webauthn_enrolment !== 'never') return 'enrol';
  return 'finish';
}

export async function continueAfterPsc(deps: InteractionDeps, req: Request, res: Response, details: InteractionDetails, login: PendingLogin): Promise<void> {
  const step = await nextStepAfterPsc(deps, details, login);
  if (step === 'finish') return finishLogin(deps, req, res, details, login);
  if (step === 'unmet') {
    const requirement = await requirementOf(deps, details);
    await deps.audit.record({
      type: 'stepup.unmet', outcome: 'failure', actor: login.accountId, clientId: String(details.params.client_id), reason: 'means-used-falls-short',
      details: { method: login.method, acr: login.acr, level: requirement.level, phishingResistant: requirement.phishingResistant },
    }, req);
    await recordUnmet(deps, details.uid, { reason: 'means-used-falls-short', method: login.method, acr: login.acr, requirement });
    const client = await deps.provider.Client.find(String(details.params.client_id));
    sendPage(deps.views, req, res, 'unmet', { uid: details.uid, clientName: client?.clientName ?? '', requirement: await requirementOf(deps, details), retryPsc: true }, 403);
    return;
  }
  await savePendingLogin(deps, details.uid, step, login);
  res.redirect(303, `/interaction/${details.uid}/${step}`);
}
