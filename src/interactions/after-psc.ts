/**
 * What follows a verified PSC sign-in: when it falls short of what the application needs,
 * one of the clinician's keys if that completes it, else a page saying what is needed; the
 * step the application's own rules ask (a key as second factor, a required enrolment); an
 * offer to enrol a key when the clinician has none; a key to confirm when one is past (or near)
 * its maximum age and this sign-in may bind keys (confirm-key.ts); otherwise back to the application.
 * A sign-in below the policy's binding minimum cannot enrol a key: the offer is not made,
 * and an application that requires a key gets a page saying which sign-in can.
 */
import type { Request, Response } from 'express';
import { gatewayProperties } from '../oidc/client-properties.ts';
import { mayBindKey, satisfies, stepRulesAsk } from '../assurance/index.ts';
import { keyCompletes, requirementOf } from './requirement.ts';
import { recordUnmet } from './unmet-reason.ts';
import { sendUnmetPage } from './unmet-page.ts';
import type { InteractionDeps, InteractionDetails } from './context.ts';
import { finishLogin } from './finish-login.ts';
import { savePendingLogin, type VerifiedLogin } from './pending-login.ts';
import { keyDue } from '../webauthn/index.ts';

export type NextStep = 'second-factor' | 'enrol' | 'confirm-key' | 'finish' | 'unmet' | 'binding-too-weak';

export async function nextStepAfterPsc(deps: InteractionDeps, details: InteractionDetails, login: VerifiedLogin): Promise<NextStep> {
  const client = await deps.provider.Client.find(String(details.params.client_id));
  const settings = gatewayProperties(client);
  const requirement = await requirementOf(deps, details);
  const keys = await deps.credentials.listUsable(login.accountId);
  if (!satisfies(login.assurance, requirement)) return keyCompletes(deps.policy, login.assurance, keys, requirement) ? 'second-factor' : 'unmet';
  const asked = stepRulesAsk(deps.policy, settings, login.assurance, keys.length);
  const mayEnrol = mayBindKey(deps.policy, login.assurance);
  if (asked === 'enrol') return mayEnrol ? 'enrol' : 'binding-too-weak';
  if (asked) return asked;
  if (keys.length === 0 && settings.webauthn_enrolment !== 'never' && mayEnrol) return 'enrol';
  const now = deps.clock();
  if (mayEnrol && keys.some((key) => keyDue(key, now, deps.config.means))) return 'confirm-key';
  return 'finish';
}

export async function continueAfterPsc(deps: InteractionDeps, req: Request, res: Response, details: InteractionDetails, login: VerifiedLogin): Promise<void> {
  const step = await nextStepAfterPsc(deps, details, login);
  if (step === 'finish') return finishLogin(deps, req, res, details, login);
  if (step === 'unmet' || step === 'binding-too-weak') {
    const asked = await requirementOf(deps, details);
    // A key the application requires cannot be enrolled below the binding minimum: that is the level missing.
    const requirement = step === 'unmet' ? asked : { ...asked, level: deps.policy.binding.minimumLevel };
    const { method, acr } = login.assurance;
    await deps.audit.record(
      {
        type: 'stepup.unmet',
        outcome: 'failure',
        actor: login.accountId,
        clientId: String(details.params.client_id),
        reason: step === 'unmet' ? 'means-used-falls-short' : 'sign-in-too-weak-to-enrol',
        details: { method, acr, level: requirement.level, phishingResistant: requirement.phishingResistant },
      },
      req,
    );
    const enrolmentTooWeak = step === 'binding-too-weak';
    await recordUnmet(deps, details.uid, { reason: 'means-used-falls-short', method, acr, requirement, enrolmentTooWeak });
    const client = await deps.provider.Client.find(String(details.params.client_id));
    sendUnmetPage(deps, req, res, details.uid, { clientName: client?.clientName ?? '', requirement, retryPsc: true, enrolmentTooWeak });
    return;
  }
  await savePendingLogin(deps, details.uid, step, login);
  res.redirect(303, `/interaction/${details.uid}/${step}`);
}
