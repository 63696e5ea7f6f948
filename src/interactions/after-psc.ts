/**
 * What follows a verified PSC sign-in: a second factor with one of the clinician's keys when
 * the application asks for it after e-CPS, an offer to enrol a key when the clinician has
 * none (or a requirement, per application), otherwise straight back to the application.
 */
import type { Request, Response } from 'express';
import { gatewayProperties } from '../oidc/client-properties.ts';
import { asksSecondFactorAfter } from '../assurance/index.ts';
import type { InteractionDeps, InteractionDetails } from './context.ts';
import { finishLogin } from './finish-login.ts';
import { savePendingLogin, type PendingLogin } from './pending-login.ts';

export type NextStep = 'second-factor' | 'enrol' | 'finish';

export async function nextStepAfterPsc(deps: InteractionDeps, details: InteractionDetails, login: PendingLogin): Promise<NextStep> {
  const client = await deps.provider.Client.find(String(details.params.client_id));
  const settings = gatewayProperties(client);
  const keys = (await deps.credentials.listByAccount(login.accountId)).filter((c) => !c.blocked);
  if (settings.key_after_ecps && asksSecondFactorAfter(deps.policy, login.method) && keys.length > 0) return 'second-factor';
  if (keys.length === 0 && settings.webauthn_enrolment !== 'never') return 'enrol';
  return 'finish';
}

export async function continueAfterPsc(deps: InteractionDeps, req: Request, res: Response, details: InteractionDetails, login: PendingLogin): Promise<void> {
  const step = await nextStepAfterPsc(deps, details, login);
  if (step === 'finish') return finishLogin(deps, req, res, details, login);
  await savePendingLogin(deps, details.uid, login);
  res.redirect(303, `/interaction/${details.uid}/${step}`);
}
