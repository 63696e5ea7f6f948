/**
 * Raising a key's binding from /account: a key bound under a weaker sign-in (e.g. e-CPS)
 * proves more once the clinician, signed in at a higher level less than five minutes ago
 * (e.g. with the CPS card), confirms that very key. GET shows what the key is worth and what
 * would raise it; the JSON calls run an assertion restricted to that key and record the new
 * binding (audited `key.raised`). Only a binding that is nowhere lower and somewhere higher is
 * recorded.
 */
import type { Request, RequestHandler } from 'express';
import { createAuthenticationOptions, verifyAuthentication, type StoredCredential } from '../webauthn/index.ts';
import { bindingCeiling, HIGH, keyOwnAssurance, raisesBinding, signInBinding } from '../assurance/index.ts';
import { UserFacingError } from '../http/errors.ts';
import { sendPage } from '../http/page.ts';
import { csrfToken } from '../http/csrf.ts';
import { sendCeremonyError } from '../ceremony/json-responses.ts';
import { auditKeyRefusal } from '../ceremony/key-audit.ts';
import { requireSession, type PortalDeps } from './context.ts';
import { jsonSession } from './keys.ts';
import { isFresh } from './session.ts';

const ceremony = (deps: PortalDeps, sessionUid: string) => deps.keyNames.portalSession(sessionUid, 'webauthn-raise');

async function ownKey(deps: PortalDeps, accountId: string, req: Request): Promise<StoredCredential> {
  const credential = await deps.credentials.find(String(req.params.id));
  if (!credential || credential.idNat !== accountId) throw new UserFacingError(404, 'unknown_key', 'no such key on this account');
  return credential;
}

export function getRaise(deps: PortalDeps): RequestHandler {
  return async (req, res) => {
    const session = await requireSession(deps, req, res, { returnTo: req.path });
    if (!session) return;
    const credential = await ownKey(deps, session.accountId, req);
    const ceiling = bindingCeiling(deps.policy, credential);
    const own = keyOwnAssurance(deps.policy, credential);
    sendPage(deps.views, req, res, 'key-raise', {
      credential,
      ceiling,
      own,
      session: session.assurance,
      canRaise: isFresh(session, deps.config.portal.freshAuthSeconds) && raisesBinding(ceiling, session.assurance),
      signInUrl: `/account/login?${new URLSearchParams({ fresh: '1', acr: HIGH, return: req.path }).toString()}`,
      csrf: csrfToken(deps.csrfSecret, session.uid),
      support: deps.config.support.contact,
    });
  };
}

export function postRaiseOptions(deps: PortalDeps): RequestHandler {
  return async (req, res) => {
    try {
      const session = await jsonSession(deps, req, res);
      const credential = await ownKey(deps, session.accountId, req);
      if (!raisesBinding(bindingCeiling(deps.policy, credential), session.assurance))
        throw new UserFacingError(403, 'binding_not_raised', 'this session does not raise the key');
      res.set('cache-control', 'no-store').json(
        await createAuthenticationOptions(deps.webauthn, {
          ceremonyKey: ceremony(deps, session.uid),
          forAccount: session.accountId,
          onlyCredential: credential.id,
        }),
      );
    } catch (err) {
      sendCeremonyError(deps.views, deps.config.support.contact, req, res, err);
    }
  };
}

export function postRaiseVerify(deps: PortalDeps): RequestHandler {
  return async (req, res) => {
    let actor: string | undefined;
    try {
      const session = await jsonSession(deps, req, res);
      actor = session.accountId;
      const target = await ownKey(deps, session.accountId, req);
      const { credential } = await verifyAuthentication(deps.webauthn, {
        ceremonyKey: ceremony(deps, session.uid),
        response: (req.body as { response?: unknown } | undefined)?.response,
      });
      if (credential.id !== target.id) throw new UserFacingError(400, 'unknown_key', 'the assertion came from another key than the one being raised');
      const before = bindingCeiling(deps.policy, target);
      if (!raisesBinding(before, session.assurance)) throw new UserFacingError(403, 'binding_not_raised', 'this session does not raise the key');
      if (!(await deps.credentials.setBinding(target.id, signInBinding(session.assurance, Date.now()))))
        throw new UserFacingError(404, 'unknown_key', 'the key was revoked meanwhile');
      await deps.audit.record(
        {
          type: 'key.raised',
          outcome: 'success',
          actor: session.accountId,
          details: {
            by: 'sign-in',
            kind: target.kind,
            from: before.acr,
            to: session.assurance.acr,
            method: session.assurance.method,
            phishingResistant: session.assurance.phishingResistant,
          },
        },
        req,
      );
      res.set('cache-control', 'no-store').json({ redirectTo: '/account?notice=raised' });
    } catch (err) {
      await auditKeyRefusal(deps, req, err, { ceremony: 'raise', actor });
      sendCeremonyError(deps.views, deps.config.support.contact, req, res, err);
    }
  };
}
