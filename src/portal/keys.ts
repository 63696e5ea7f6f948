/**
 * The clinician's actions on their keys in /account. Rename needs the session; adding needs
 * an authentication less than five minutes old (otherwise: sign in again, then back; removing
 * is revoke-key.ts). Every form and script call carries the CSRF token. Only the clinician's own keys
 * can be touched. A key added here is bound to the session's sign-in (it never proves more),
 * and a sign-in below the policy's binding minimum cannot add one.
 */
import type { Request, RequestHandler, Response } from 'express';
import { createRegistrationOptions, verifyRegistration } from '../webauthn/index.ts';
import { UserFacingError } from '../http/errors.ts';
import { sendCeremonyError } from '../ceremony/json-responses.ts';
import { auditKeyRefusal } from '../ceremony/key-audit.ts';
import { requireSession, type PortalDeps } from './context.ts';
import { csrfValid } from '../http/csrf.ts';
import { isFresh, portalSession, type PortalSession } from './session.ts';
import { mayBindKey, signInBinding } from '../assurance/index.ts';

function checkCsrf(deps: PortalDeps, req: Request, sessionUid: string): void {
  if (!csrfValid(deps.csrfSecret, sessionUid, req)) throw new UserFacingError(403, 'csrf', 'missing or wrong CSRF token');
}

const ceremony = (deps: PortalDeps, sessionUid: string) => deps.keyNames.portalSession(sessionUid, 'webauthn-reg');

export function postRename(deps: PortalDeps): RequestHandler {
  return async (req, res) => {
    const session = await requireSession(deps, req, res);
    if (!session) return;
    checkCsrf(deps, req, session.uid);
    const name = String((req.body as { name?: unknown }).name ?? '');
    let renamed;
    try {
      renamed = await deps.credentials.rename(session.accountId, String(req.params.id), name);
    } catch (err) {
      throw new UserFacingError(400, 'invalid_key_name', (err as Error).message, { cause: err });
    }
    if (!renamed) throw new UserFacingError(404, 'unknown_key', 'no such key on this account');
    await deps.audit.record({ type: 'key.renamed', outcome: 'success', actor: session.accountId, details: { kind: renamed.kind, keyName: renamed.name } }, req);
    res.redirect(303, '/account?notice=renamed');
  };
}

/** The session of a key ceremony call: signed in, CSRF token, authentication less than five minutes old. */
export async function jsonSession(deps: PortalDeps, req: Request, res: Response): Promise<PortalSession> {
  const session = await portalSession(deps.provider, req, res, deps.sessionChecks);
  if (!session) throw new UserFacingError(401, 'session_not_found', 'no gateway session');
  checkCsrf(deps, req, session.uid);
  if (!isFresh(session, deps.config.portal.freshAuthSeconds)) throw new UserFacingError(403, 'fresh_auth_required', 'authentication older than five minutes');
  return session;
}

async function enrollingSession(deps: PortalDeps, req: Request, res: Response): Promise<PortalSession> {
  const session = await jsonSession(deps, req, res);
  if (!mayBindKey(deps.policy, session.assurance)) {
    throw new UserFacingError(
      403,
      'binding_too_weak',
      `a ${session.assurance.acr} session cannot enrol a key (policy binding.minimumLevel ${deps.policy.binding.minimumLevel})`,
    );
  }
  return session;
}

export function postAddOptions(deps: PortalDeps): RequestHandler {
  return async (req, res) => {
    try {
      const session = await enrollingSession(deps, req, res);
      const account = await deps.accounts.find(session.accountId);
      const displayName = [account?.profile.given_name, account?.profile.family_name].filter(Boolean).join(' ') || session.accountId;
      res.set('cache-control', 'no-store').json(
        await createRegistrationOptions(deps.webauthn, {
          ceremonyKey: ceremony(deps, session.uid),
          idNat: session.accountId,
          userName: `${displayName} (${session.accountId})`,
          displayName,
        }),
      );
    } catch (err) {
      sendCeremonyError(deps.views, deps.config.support.contact, req, res, err);
    }
  };
}

export function postAddVerify(deps: PortalDeps): RequestHandler {
  return async (req, res) => {
    try {
      const session = await enrollingSession(deps, req, res);
      const body = (req.body ?? {}) as { response?: unknown; name?: unknown };
      const credential = await verifyRegistration(deps.webauthn, {
        ceremonyKey: ceremony(deps, session.uid),
        idNat: session.accountId,
        response: body.response,
        name: typeof body.name === 'string' ? body.name : undefined,
        binding: signInBinding(session.assurance, Date.now()),
      });
      req.log.info({ idNat: session.accountId, kind: credential.kind, aaguid: credential.aaguid }, 'key added from /account');
      await deps.audit.record(
        {
          type: 'key.enrolled',
          outcome: 'success',
          actor: session.accountId,
          details: {
            via: 'account',
            kind: credential.kind,
            keyName: credential.name,
            aaguid: credential.aaguid,
            attestationFormat: credential.attestationFormat,
            model: credential.model,
            boundBy: session.assurance.method,
            boundAt: session.assurance.acr,
            keys: (await deps.credentials.listByAccount(session.accountId)).length,
          },
        },
        req,
      );
      res.set('cache-control', 'no-store').json({ redirectTo: '/account?notice=added' });
    } catch (err) {
      await auditKeyRefusal(deps, req, err, { ceremony: 'enrolment', actor: (await portalSession(deps.provider, req, res, deps.sessionChecks))?.accountId });
      sendCeremonyError(deps.views, deps.config.support.contact, req, res, err);
    }
  };
}
