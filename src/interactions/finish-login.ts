/**
 * Ends the login part of an interaction: refuses an authentication ended meanwhile
 * (ended-authentication.ts), records the sign-in (audit trail, and the clinician's history)
 * and hands oidc-provider the account, level, methods and the time of the authentication
 * (`ts`: the `auth_time` of the tokens, not the time the last page was left). `finishLogin`
 * answers the browser with a redirect (forms); `finishLoginUrl` returns where to go (JSON endpoints).
 * Before that, a clinician with notices of changes to their means, or a key to confirm soon, is
 * shown them once (notices-hold.ts, notices-step.ts); the login then finishes from there.
 */
import type { Request, Response } from 'express';
import type { InteractionDeps, InteractionDetails } from './context.ts';
import type { VerifiedLogin } from './pending-login.ts';
import { ASSURANCE_CHECK, type LoginResult } from '../oidc/assurance-check.ts';
import { establishmentsOf, professionOf } from '../accounts/index.ts';
import { refuseEndedAuthentication } from './ended-authentication.ts';
import { holdForNotices } from './notices-hold.ts';
import { recordWorkstationPass } from './workstation-pass.ts';
import { gatewayProperties } from '../oidc/client-properties.ts';
import { recordDelegatedSignIn } from './delegation-pages.ts';

/** The login handed to oidc-provider; `assurance` and `authTime` are read by the gateway's session checks (oidc/assurance-check.ts). */
function loginResult(login: VerifiedLogin): { login: LoginResult } {
  const { accountId, authTime, assurance } = login;
  return {
    login: { accountId, acr: assurance.acr, amr: assurance.amr, ts: Math.floor(authTime / 1000), remember: true, assurance, authTime, keyId: login.key?.id },
  };
}

async function record(deps: InteractionDeps, req: Request, res: Response, details: InteractionDetails, login: VerifiedLogin) {
  await refuseEndedAuthentication(deps, req, details, { accountId: login.accountId, authTime: login.authTime, keyId: login.key?.id });
  const clientId = String(details.params.client_id);
  const account = await deps.accounts.find(login.accountId);
  const common = { actor: login.accountId, profession: professionOf(account), clientId };
  const { method, acr, amr, phishingResistant } = login.assurance;
  await deps.audit.record(
    {
      type: 'signin.succeeded',
      outcome: 'success',
      ...common,
      details: {
        method,
        acr,
        amr,
        phishingResistant,
        keyName: login.key?.name,
        durationMs: typeof details.iat === 'number' ? Math.max(0, Date.now() - details.iat * 1000) : undefined,
        ...establishmentsOf(account),
      },
    },
    req,
  );
  if (details.prompt.reasons.includes(ASSURANCE_CHECK)) {
    await deps.audit.record({ type: 'stepup.met', outcome: 'success', ...common, details: { method, acr } }, req);
  }
  await recordWorkstationPass(deps, req, res, login);
  if (gatewayProperties(await deps.provider.Client.find(clientId)).psc_delegation) await recordDelegatedSignIn(deps, req, common, login.assurance);
}

export interface FinishOptions {
  /** The login comes from the notices step, which has just shown them: nothing to hold it for (and nothing to read to know it). */
  noticesShown?: boolean;
  /**
   * Runs once the login is stored (finished, or held for the notices), before the redirect leaves:
   * what must count only for a sign-in that answered (an emergency code's spend). Throwing, the
   * browser gets the error's page instead of the redirect.
   */
  beforeAnswer?: () => Promise<void>;
}

/** oidc-provider's interactionFinished's answer: 303 to where the authorization goes on, no body. */
function redirectTo(res: Response, url: string): void {
  res.statusCode = 303;
  res.setHeader('Location', url);
  res.setHeader('Content-Length', '0');
  res.end();
}

export async function finishLogin(
  deps: InteractionDeps,
  req: Request,
  res: Response,
  details: InteractionDetails,
  login: VerifiedLogin,
  options: FinishOptions = {},
): Promise<void> {
  const notices = options.noticesShown ? undefined : await holdForNotices(deps, details, login);
  if (notices) {
    await options.beforeAnswer?.();
    return res.redirect(303, notices);
  }
  await record(deps, req, res, details, login);
  const to = await deps.provider.interactionResult(req, res, loginResult(login), { mergeWithLastSubmission: false });
  await options.beforeAnswer?.();
  redirectTo(res, to);
}

export async function finishLoginUrl(deps: InteractionDeps, req: Request, res: Response, details: InteractionDetails, login: VerifiedLogin): Promise<string> {
  const notices = await holdForNotices(deps, details, login);
  if (notices) return notices;
  await record(deps, req, res, details, login);
  return deps.provider.interactionResult(req, res, loginResult(login), { mergeWithLastSubmission: false });
}
