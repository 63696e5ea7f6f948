/**
 * Passwordless sign-in on the interaction page: POST …/webauthn/options gives options for a
 * discoverable credential (no username; also used for conditional mediation), POST
 * …/webauthn/verify checks the assertion (single-use challenge, user verification, counter),
 * finds the account by the credential and its user handle, refuses a key past its maximum age
 * (it must be confirmed through PSC: means/), refuses a key alone when PSC has
 * not vouched for the clinician recently or when the key — at what its binding lets it prove —
 * does not reach the level the application needs, and answers where to go next.
 */
import type { RequestHandler } from 'express';
import { createAuthenticationOptions, verifyAuthentication } from '../webauthn/index.ts';
import { acceptedForDelegation, keyAssurance, satisfies } from '../assurance/index.ts';
import { gatewayProperties } from '../oidc/client-properties.ts';
import { refuseForDelegation } from './delegation-pages.ts';
import { requirementOf } from './requirement.ts';
import { JourneyRefusal } from '../ceremony/journey-refusal.ts';
import { auditKeyRefusal } from '../ceremony/key-audit.ts';
import { UserFacingError } from '../http/errors.ts';
import { interactionFor, type InteractionDeps } from './context.ts';
import { finishLoginUrl } from './finish-login.ts';
import { sendCeremonyError } from '../ceremony/json-responses.ts';
import { noteExpiredKeys } from '../means/expired-keys.ts';

export function postSignInOptions(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const details = await interactionFor(deps.provider, req, res);
    if (details.prompt.name !== 'login') throw new UserFacingError(400, 'interaction_expired', 'no sign-in is pending');
    const options = await createAuthenticationOptions(deps.webauthn, { ceremonyKey: deps.journey.ceremonyKey(details.uid, 'webauthn-auth') });
    res.set('cache-control', 'no-store').json(options);
  };
}

export function postSignInVerify(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const details = await interactionFor(deps.provider, req, res);
    try {
      const { idNat, credential } = await verifyAuthentication(deps.webauthn, {
        ceremonyKey: deps.journey.ceremonyKey(details.uid, 'webauthn-auth'),
        response: (req.body as { response?: unknown } | undefined)?.response,
        accountGate: deps.limits.keyAccountGate(req),
      });
      const account = await deps.accounts.find(idNat);
      if (!account) throw new UserFacingError(400, 'interaction_expired', `credential of unknown account ${idNat}`);
      if ((await noteExpiredKeys(deps, [credential], deps.clock(), req)).length) {
        req.log.info({ idNat, keyId: credential.id }, 'key sign-in refused: the key is past its maximum age');
        throw new JourneyRefusal('key-age-expired', { name: credential.name, days: deps.config.means.maxKeyAgeDays });
      }
      if (Date.now() - account.pscVerifiedAt > deps.config.psc.freshnessDays * 86_400_000) {
        req.log.info({ idNat, pscVerifiedAt: account.pscVerifiedAt }, 'key sign-in refused: PSC must vouch again');
        throw new JourneyRefusal('psc-refresh-required', { days: deps.config.psc.freshnessDays });
      }
      const level = keyAssurance(deps.policy, credential);
      const requirement = await requirementOf(deps, details);
      const client = gatewayProperties(await deps.provider.Client.find(String(details.params.client_id)));
      if (client.psc_delegation && !(acceptedForDelegation(deps.policy, level) && satisfies(level, requirement))) {
        // PSC gets a clear error once the clinician has read what to do (delegation-pages.ts).
        res.set('cache-control', 'no-store').json({ redirectTo: await refuseForDelegation(deps, req, details, idNat, level, requirement) });
        return;
      }
      if (!satisfies(level, requirement)) throw new JourneyRefusal('insufficient-level');
      req.log.info({ uid: details.uid, idNat, method: level.method, acr: level.acr }, 'WebAuthn sign-in verified');
      const redirectTo = await finishLoginUrl(deps, req, res, details, {
        accountId: idNat,
        authTime: deps.clock(),
        assurance: level,
        key: { id: credential.id, name: credential.name },
      });
      res.set('cache-control', 'no-store').json({ redirectTo });
    } catch (err) {
      await auditKeyRefusal(deps, req, err, { clientId: String(details.params.client_id), ceremony: 'sign-in' });
      sendCeremonyError(deps.views, deps.config.support.contact, req, res, err);
    }
  };
}
