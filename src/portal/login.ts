/**
 * GET /account/login starts a sign-in of the account portal through the gateway (state and
 * PKCE verifier stored for ten minutes, single use; `fresh=1` asks for a new authentication
 * with max_age=0, `acr=eidas2` a level for the admin pages); GET /account/callback redeems the code in-process and returns to /account.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HIGH, SUBSTANTIAL } from '../assurance/levels.ts';
import { UserFacingError } from '../http/errors.ts';
import { safeReturn, type PortalDeps } from './context.ts';
import { PORTAL_CALLBACK_PATH, PORTAL_CLIENT_ID, redeemPortalCode } from './portal-client.ts';
import { portalSession } from './session.ts';

interface LoginState {
  verifier: string;
  returnTo: string;
  fresh: boolean;
}

const stateKey = (deps: Pick<PortalDeps, 'keyNames'>, state: string) => deps.keyNames.portalLogin(state);

export function getPortalLogin(deps: PortalDeps): RequestHandler {
  return async (req, res) => {
    const state = randomBytes(24).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    const fresh = req.query.fresh === '1';
    const record: LoginState = { verifier, returnTo: safeReturn(req.query.return), fresh };
    await deps.store.set(stateKey(deps, state), JSON.stringify(record), 600);
    const params = new URLSearchParams({
      client_id: PORTAL_CLIENT_ID,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: `${deps.config.issuer}${PORTAL_CALLBACK_PATH}`,
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    if (fresh) params.set('max_age', '0');
    if (req.query.acr === SUBSTANTIAL || req.query.acr === HIGH) params.set('acr_values', req.query.acr);
    res.redirect(303, `/auth?${params.toString()}`);
  };
}

export function getPortalCallback(deps: PortalDeps): RequestHandler {
  return async (req, res) => {
    const state = typeof req.query.state === 'string' && /^[A-Za-z0-9_-]{20,64}$/.test(req.query.state) ? req.query.state : undefined;
    const raw = state ? await deps.store.take(stateKey(deps, state)) : null;
    if (!raw) throw new UserFacingError(400, 'interaction_expired', 'unknown or used portal login state');
    const record = JSON.parse(raw) as LoginState;
    if (typeof req.query.error === 'string') {
      res.redirect(303, '/account/signed-out');
      return;
    }
    const accountId = await redeemPortalCode(deps.provider, deps.config.issuer, String(req.query.code ?? ''), record.verifier);
    const session = await portalSession(deps.provider, req, res, deps.sessionChecks);
    if (!accountId || !session || session.accountId !== accountId)
      throw new UserFacingError(400, 'interaction_expired', 'portal code not redeemable for this session');
    const separator = record.returnTo.includes('?') ? '&' : '?';
    res.redirect(303, record.fresh ? `${record.returnTo}${separator}notice=fresh` : record.returnTo);
  };
}

/** Where a portal sign-in in progress will return (its state's record, left in place), or undefined. */
export async function portalLoginReturn(deps: Pick<PortalDeps, 'store' | 'keyNames'>, state: unknown): Promise<string | undefined> {
  if (typeof state !== 'string' || !/^[A-Za-z0-9_-]{20,64}$/.test(state)) return undefined;
  const raw = await deps.store.get(stateKey(deps, state));
  return raw === null ? undefined : (JSON.parse(raw) as LoginState).returnTo;
}
