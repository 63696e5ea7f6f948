/**
 * POST /interaction/:uid/consent — records what the clinician agreed to in a Grant
 * (scopes and claims the request was missing) and resumes the authorization — unless the
 * authentication it resumes was ended while the page was open (logout, administrator, key
 * revoked): a consent page left open does not bring a session back. Claims the client's
 * registered scopes do not cover are withheld, never granted.
 */
import type { Request, RequestHandler, Response } from 'express';
import { UserFacingError } from '../http/errors.ts';
import { claimsAllowed } from '../oidc/claims-allowed.ts';
import { grantClaims } from '../oidc/grant-claims.ts';
import { interactionFor, type InteractionDeps, type InteractionDetails } from './context.ts';
import { refuseEndedAuthentication } from './ended-authentication.ts';
import type { LoginResult } from '../oidc/assurance-check.ts';

export async function finishConsent(deps: InteractionDeps, req: Request, res: Response, details: InteractionDetails): Promise<void> {
  const { provider } = deps;
  if (details.prompt.name !== 'consent' || !details.session?.accountId) {
    throw new UserFacingError(400, 'interaction_expired', `consent posted while the prompt is ${details.prompt.name}`);
  }
  const { accountId, uid } = details.session;
  const login = (details.lastSubmission as { login?: Partial<LoginResult> } | undefined)?.login;
  const authTime = login?.authTime ?? (uid ? (await deps.sessions.get(uid))?.loginAt : undefined) ?? 0;
  await refuseEndedAuthentication(deps, req, details, { accountId, authTime, keyId: login?.keyId, sessionUid: uid });
  const clientId = String(details.params.client_id);
  const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: details.session.accountId, clientId });
  if (!grant) throw new UserFacingError(400, 'interaction_expired', 'grant vanished');
  const promptDetails = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (promptDetails.missingOIDCScope) grant.addOIDCScope(promptDetails.missingOIDCScope.join(' '));
  if (promptDetails.missingOIDCClaims) {
    const client = await provider.Client.find(clientId);
    grantClaims(grant, promptDetails.missingOIDCClaims, { allowed: claimsAllowed(client?.scope), grant: true });
  }
  for (const [indicator, scopes] of Object.entries(promptDetails.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

export function postConsent(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const details = await interactionFor(deps.provider, req, res);
    await finishConsent(deps, req, res, details);
  };
}
