/**
 * Removing a key from /account, in two steps that work without JavaScript: GET
 * /account/keys/:id/revoke asks for confirmation (what the key is, what is left afterwards —
 * for the last key, that signing in will need Pro Santé Connect — and, when the clinician's
 * authentication is more than five minutes old, to confirm their identity first); POST removes
 * it, only with the CSRF token, `confirm=yes` and a recent authentication (otherwise: back to
 * the confirmation). Only the clinician's own keys; 404 `unknown_key` for any other.
 */
import type { RequestHandler } from 'express';
import { UserFacingError } from '../http/errors.ts';
import { sendPage } from '../http/page.ts';
import { csrfToken, csrfValid } from '../http/csrf.ts';
import { requireSession, type PortalDeps } from './context.ts';
import { isFresh } from './session.ts';

/** Where the confirmation of removing key `id` lives. */
export const revokePath = (id: string) => `/account/keys/${encodeURIComponent(id)}/revoke`;

export function getRevokeConfirm(deps: PortalDeps): RequestHandler {
  return async (req, res) => {
    const id = String(req.params.id);
    const session = await requireSession(deps, req, res, { returnTo: revokePath(id) });
    if (!session) return;
    const keys = await deps.credentials.listByAccount(session.accountId);
    const credential = keys.find((c) => c.id === id);
    if (!credential) throw new UserFacingError(404, 'unknown_key', 'no such key on this account');
    sendPage(deps.views, req, res, 'key-revoke', {
      credential,
      others: keys.filter((c) => c.id !== id),
      fresh: isFresh(session, deps.config.portal.freshAuthSeconds),
      confirmed: req.query.notice === 'fresh',
      signInUrl: `/account/login?${new URLSearchParams({ fresh: '1', return: revokePath(id) }).toString()}`,
      action: revokePath(id),
      csrf: csrfToken(deps.csrfSecret, session.uid),
    });
  };
}

export function postRevoke(deps: PortalDeps): RequestHandler {
  return async (req, res) => {
    const id = String(req.params.id);
    const session = await requireSession(deps, req, res, { returnTo: revokePath(id) });
    if (!session) return;
    if (!csrfValid(deps.csrfSecret, session.uid, req)) throw new UserFacingError(403, 'csrf', 'missing or wrong CSRF token');
    const confirmed = (req.body as { confirm?: unknown } | undefined)?.confirm === 'yes';
    if (!confirmed || !isFresh(session, deps.config.portal.freshAuthSeconds)) {
      res.redirect(303, revokePath(id));
      return;
    }
    const target = await deps.credentials.find(id);
    const removed = await deps.credentials.revoke(session.accountId, id);
    if (!removed) throw new UserFacingError(404, 'unknown_key', 'no such key on this account');
    req.log.info({ idNat: session.accountId }, 'key revoked by its owner');
    const left = await deps.credentials.listByAccount(session.accountId);
    await deps.audit.record(
      {
        type: 'key.revoked',
        outcome: 'success',
        actor: session.accountId,
        details: { by: 'owner', keysLeft: left.length, kind: target?.kind, keyName: target?.name },
      },
      req,
    );
    res.redirect(303, `/account?notice=${left.length === 0 ? 'revoked-last' : 'revoked'}`);
  };
}
