/**
 * A key as second factor after a PSC e-CPS sign-in (applications with `key_after_ecps`):
 * the options list only this clinician's keys (allowCredentials) and an assertion from any
 * other account is refused. Success finishes the login with the combined method, whose amr
 * names the key actually used and whose phishing resistance is the key's under its binding.
 * A key past (or near) its maximum age is confirmed by this PSC sign-in when that sign-in may
 * bind keys; otherwise one past its age is refused (key-age-expired).
 */
import type { RequestHandler } from 'express';
import { createAuthenticationOptions, verifyAuthentication } from '../webauthn/index.ts';
import { mayBindKey, secondFactorAssurance, satisfies } from '../assurance/index.ts';
import { keyAge } from '../webauthn/index.ts';
import { confirmKey } from './confirm-key.ts';
import { noteExpiredKeys } from '../means/expired-keys.ts';
import { requirementOf } from './requirement.ts';
import { JourneyRefusal } from '../ceremony/journey-refusal.ts';
import { auditKeyRefusal } from '../ceremony/key-audit.ts';
import { UserFacingError } from '../http/errors.ts';
import { sendPage } from '../http/page.ts';
import type { InteractionDeps } from './context.ts';
import { finishLoginUrl } from './finish-login.ts';
import { interactionWithPendingLogin, takePendingLogin } from './pending-login.ts';
import { sendCeremonyError } from '../ceremony/json-responses.ts';

export function getSecondFactor(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const { details } = await interactionWithPendingLogin(deps, req, res, 'second-factor');
    sendPage(deps.views, req, res, 'second-factor', { uid: details.uid });
  };
}

export function postSecondFactorOptions(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const { details, login } = await interactionWithPendingLogin(deps, req, res, 'second-factor');
    const options = await createAuthenticationOptions(deps.webauthn, {
      ceremonyKey: deps.journey.ceremonyKey(details.uid, 'webauthn-2fa'),
      forAccount: login.accountId,
    });
    res.set('cache-control', 'no-store').json(options);
  };
}

export function postSecondFactorVerify(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const { details, login } = await interactionWithPendingLogin(deps, req, res, 'second-factor');
    try {
      const { credential } = await verifyAuthentication(deps.webauthn, {
        ceremonyKey: deps.journey.ceremonyKey(details.uid, 'webauthn-2fa'),
        response: (req.body as { response?: unknown } | undefined)?.response,
        accountGate: deps.limits.keyAccountGate(req),
      });
      const pending = await takePendingLogin(deps, details.uid, 'second-factor');
      if (!pending || pending.accountId !== login.accountId) throw new UserFacingError(400, 'interaction_expired', 'pending login vanished');
      const age = keyAge(credential, deps.clock(), deps.config.means).state;
      if (age !== 'current' && mayBindKey(deps.policy, pending.assurance)) {
        await confirmKey(deps, req, credential, pending, 'second-factor', String(details.params.client_id));
      } else if ((await noteExpiredKeys(deps, [credential], deps.clock(), req)).length) {
        throw new JourneyRefusal('key-age-expired', { name: credential.name, days: deps.config.means.maxKeyAgeDays });
      }
      const level = secondFactorAssurance(deps.policy, pending.assurance, credential);
      if (!satisfies(level, await requirementOf(deps, details))) throw new JourneyRefusal('insufficient-level');
      res.set('cache-control', 'no-store').json({
        redirectTo: await finishLoginUrl(deps, req, res, details, {
          accountId: pending.accountId,
          authTime: deps.clock(),
          assurance: level,
          key: { id: credential.id, name: credential.name },
        }),
      });
    } catch (err) {
      await auditKeyRefusal(deps, req, err, { clientId: String(details.params.client_id), ceremony: 'second-factor', actor: login.accountId });
      sendCeremonyError(deps.views, deps.config.support.contact, req, res, err);
    }
  };
}
