/**
 * Enrolment after a PSC sign-in (/interaction/:uid/enrol): the clinician names a security
 * key or passkey and registers it, or skips (unless the application requires a key). Either
 * way the pending PSC login is then finished; enrolling does not raise this sign-in's level.
 * The key is bound to that sign-in: it will never prove more than it did (a sign-in below the
 * policy's binding minimum cannot enrol at all).
 */
import type { RequestHandler } from 'express';
import { createRegistrationOptions, verifyRegistration } from '../webauthn/index.ts';
import { mayBindKey, signInBinding } from '../assurance/index.ts';
import { UserFacingError } from '../http/errors.ts';
import { sendPage } from '../http/page.ts';
import { gatewayProperties } from '../oidc/client-properties.ts';
import { firstTimeInInteraction, type InteractionDeps, type InteractionDetails } from './context.ts';
import { finishLogin, finishLoginUrl } from './finish-login.ts';
import { interactionWithPendingLogin, takePendingLogin, type VerifiedLogin } from './pending-login.ts';
import { sendCeremonyError } from '../ceremony/json-responses.ts';
import { auditKeyRefusal } from '../ceremony/key-audit.ts';
import { firstNameForGreeting } from '../accounts/first-name.ts';

async function enrolmentRequired(deps: InteractionDeps, details: InteractionDetails): Promise<boolean> {
  return gatewayProperties(await deps.provider.Client.find(String(details.params.client_id))).webauthn_enrolment === 'required';
}

/** The pending login may bind a key (checked at every step: the page, the options and the answer). */
async function enrollingLogin(
  deps: InteractionDeps,
  req: Parameters<RequestHandler>[0],
  res: Parameters<RequestHandler>[1],
): Promise<{ details: InteractionDetails; login: VerifiedLogin }> {
  const found = await interactionWithPendingLogin(deps, req, res, 'enrol');
  if (!mayBindKey(deps.policy, found.login.assurance)) {
    throw new UserFacingError(
      403,
      'binding_too_weak',
      `a ${found.login.assurance.acr} sign-in cannot enrol a key (policy binding.minimumLevel ${deps.policy.binding.minimumLevel})`,
    );
  }
  return found;
}

export function getEnrol(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const { details, login } = await enrollingLogin(deps, req, res);
    const account = await deps.accounts.find(login.accountId);
    const required = await enrolmentRequired(deps, details);
    if (await firstTimeInInteraction(deps, details.uid, 'offered')) {
      await deps.audit.record(
        { type: 'key.offered', outcome: 'info', actor: login.accountId, clientId: String(details.params.client_id), details: { required } },
        req,
      );
    }
    sendPage(deps.views, req, res, 'enrol', {
      uid: details.uid,
      givenName: firstNameForGreeting(account?.profile.given_name ?? ''),
      required,
    });
  };
}

export function postEnrolOptions(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const { details, login } = await enrollingLogin(deps, req, res);
    const account = await deps.accounts.find(login.accountId);
    const displayName = [account?.profile.given_name, account?.profile.family_name].filter(Boolean).join(' ') || login.accountId;
    if (await firstTimeInInteraction(deps, details.uid, 'enrolment-started')) {
      await deps.audit.record(
        { type: 'key.enrolment_started', outcome: 'info', actor: login.accountId, clientId: String(details.params.client_id), details: { via: 'after-psc' } },
        req,
      );
    }
    const options = await createRegistrationOptions(deps.webauthn, {
      ceremonyKey: deps.journey.ceremonyKey(details.uid, 'webauthn-reg'),
      idNat: login.accountId,
      userName: `${displayName} (${login.accountId})`,
      displayName,
    });
    res.set('cache-control', 'no-store').json(options);
  };
}

export function postEnrolVerify(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const { details, login } = await enrollingLogin(deps, req, res);
    try {
      const body = (req.body ?? {}) as { response?: unknown; name?: unknown };
      const credential = await verifyRegistration(deps.webauthn, {
        ceremonyKey: deps.journey.ceremonyKey(details.uid, 'webauthn-reg'),
        idNat: login.accountId,
        response: body.response,
        name: typeof body.name === 'string' ? body.name : undefined,
        binding: signInBinding(login.assurance, Date.now()),
      });
      req.log.info(
        { uid: details.uid, idNat: login.accountId, kind: credential.kind, aaguid: credential.aaguid, fmt: credential.attestationFormat },
        'key enrolled',
      );
      await deps.audit.record(
        {
          type: 'key.enrolled',
          outcome: 'success',
          actor: login.accountId,
          clientId: String(details.params.client_id),
          details: {
            via: 'after-psc',
            kind: credential.kind,
            keyName: credential.name,
            aaguid: credential.aaguid,
            attestationFormat: credential.attestationFormat,
            model: credential.model,
            boundBy: login.assurance.method,
            boundAt: login.assurance.acr,
            keys: (await deps.credentials.listByAccount(login.accountId)).length,
          },
        },
        req,
      );
      const pending = await takePendingLogin(deps, details.uid, 'enrol');
      if (!pending) throw new UserFacingError(400, 'interaction_expired', 'pending login vanished');
      res.set('cache-control', 'no-store').json({ redirectTo: await finishLoginUrl(deps, req, res, details, pending) });
    } catch (err) {
      await auditKeyRefusal(deps, req, err, { clientId: String(details.params.client_id), ceremony: 'enrolment', actor: login.accountId });
      sendCeremonyError(deps.views, deps.config.support.contact, req, res, err);
    }
  };
}

export function postEnrolSkip(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const { details, login: waiting } = await interactionWithPendingLogin(deps, req, res, 'enrol');
    if (await enrolmentRequired(deps, details)) throw new UserFacingError(400, 'key_required', 'this application requires a key');
    await deps.audit.record({ type: 'key.skipped', outcome: 'info', actor: waiting.accountId, clientId: String(details.params.client_id) }, req);
    const login = await takePendingLogin(deps, details.uid, 'enrol');
    if (!login) throw new UserFacingError(400, 'interaction_expired', 'pending login vanished');
    await finishLogin(deps, req, res, details, login);
  };
}
