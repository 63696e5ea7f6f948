/**
 * Ends the login part of an interaction: records the sign-in (audit trail, and the
 * clinician's history) and hands oidc-provider the account, level and methods. `redirect` answers the browser
 * with a redirect (forms); `resultUrl` returns where to go (JSON endpoints used by scripts).
 */
import type { Request, Response } from 'express';
import type { InteractionDeps, InteractionDetails } from './context.ts';
import type { PendingLogin } from './pending-login.ts';
import { ASSURANCE_CHECK, type LoginAssurance } from '../oidc/assurance-check.ts';
import { establishmentsOf, professionOf } from '../accounts/index.ts';

/** The login handed to oidc-provider; `assurance` is read by the gateway's session checks (oidc/assurance-check.ts). */
function loginResult(login: PendingLogin) {
  const { method, acr, amr, phishingResistant, hardwareProtected } = login;
  const assurance: LoginAssurance = { method, acr, amr, phishingResistant, hardwareProtected };
  return { login: { accountId: login.accountId, acr: login.acr, amr: login.amr, remember: true, assurance } };
}

async function record(deps: InteractionDeps, req: Request, details: InteractionDetails, login: PendingLogin) {
  const clientId = String(details.params.client_id);
  const account = await deps.accounts.find(login.accountId);
  const common = { actor: login.accountId, profession: professionOf(account), clientId };
  await deps.audit.record({
    type: 'signin.succeeded', outcome: 'success', ...common,
    details: {
      method: login.method, acr: login.acr, amr: login.amr, phishingResistant: login.phishingResistant, keyName: login.keyName,
      durationMs: typeof details.iat === 'number' ? Math.max(0, Date.now() - details.iat * 1000) : undefined,
      ...establishmentsOf(account),
    },
  }, req);
  if (details.prompt.reasons.includes(ASSURANCE_CHECK)) {
    await deps.audit.record({ type: 'stepup.met', outcome: 'success', ...common, details: { method: login.method, acr: login.acr } }, req);
  }
}

export async function finishLogin(deps: InteractionDeps, req: Request, res: Response, details: InteractionDetails, login: PendingLogin): Promise<void> {
  await record(deps, req, details, login);
  await deps.provider.interactionFinished(req, res, loginResult(login), { mergeWithLastSubmission: false });
}

export async function finishLoginUrl(deps: InteractionDeps, req: Request, res: Response, details: InteractionDetails, login: PendingLogin): Promise<string> {
  await record(deps, req, details, login);
  return deps.provider.interactionResult(req, res, loginResult(login), { mergeWithLastSubmission: false });
}
