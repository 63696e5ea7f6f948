/**
 * Enrolment after a PSC sign-in (/interaction/:uid/enrol): the clinician names a security
 * key or passkey and registers it, or skips (unless the application requires a key). Either
 * way the pending PSC login is then finished; enrolling does not raise this sign-in's level.
 */
import type { RequestHandler } from 'express';
import { createRegistrationOptions, verifyRegistration } from '../webauthn/index.ts';
import { UserFacingError } from '../http/errors.ts';
import { sendPage } from '../http/page.ts';
import { gatewayProperties } from '../oidc/client-properties.ts';
import { firstTimeInInteraction, type InteractionDeps, type InteractionDetails } from './context.ts';
import { finishLogin, finishLoginUrl } from './finish-login.ts';
import { interactionWithPendingLogin, takePendingLogin } from './pending-login.ts';
import { sendCeremonyError } from './json-responses.ts';
import { auditKeyRefusal } from './key-audit.ts';
import { ceremonyKey, webauthnDeps } from './webauthn-ceremony.ts';

async function enrolmentRequired(deps: InteractionDeps, details: InteractionDetails): Promise<boolean> {
  return gatewayProperties(await deps.provider.Client.find(String(details.params.client_id))).webauthn_enrolment === 'required';
}

export function getEnrol(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const { details, login } = await interactionWithPendingLogin(deps, req, res, 'enrol');
    const account = await deps.accounts.find(login.accountId);
    const required = await enrolmentRequired(deps, details);
    if (await firstTimeInInteraction(deps, details.uid, 'offered')) {
      await deps.audit.record({ type: 'key.offered', outcome: 'info', actor: login.accountId, clientId: String(details.params.client_id), details: { required } }, req);
    }
    sendPage(deps.views, req, res, 'enrol', {
      uid: details.uid,
      givenName: account?.profile.given_name ?? '',
      required,
    });
  };
}

export function postEnrolOptions(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const { details, login } = await interactionWithPendingLogin(deps, req, res, 'enrol');
    const account = await deps.accounts.find(login.accountId);
    const displayName = [account?.profile.given_name, account?.profile.family_name].filter(Boolean).join(' ') || login.accountId;
    if (await firstTimeInInteraction(deps, details.uid, 'enrolment-started')) {
      await deps.audit.record({ type: 'key.enrolment_started', outcome: 'info', actor: login.accountId, clientId: String(details.params.client_id), details: { via: 'after-psc' } }, req);
    }
    const options = await createRegistrationOptions(webauthnDeps(deps), {
      ceremonyKey: ceremonyKey(deps, details.uid, 'webauthn-reg'),
      idNat: login.accountId,
      userName: `${displayName} (${login.accountId})`,
      displayName,
    });
    res.set('cache-control', 'no-store').json(options);
  };
}

export function postEnrolVerify(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const { details, login } = await interactionWithPendingLogin(deps, req, res, 'enrol');
    try {
      const body = (req.body ?? {}) as { response?: unknown; name?: unknown };
      const credential = await verifyRegistration(webauthnDeps(deps), {
        ceremonyKey: ceremonyKey(deps, details.uid, 'webauthn-reg'),
        idNat: login.accountId,
        response: body.response,
        name: typeof body.name === 'string' ? body.name : undefined,
      });
      req.log.info({ uid: details.uid, idNat: login.accountId, kind: credential.kind, aaguid: credential.aaguid, fmt: credential.attestationFormat }, 'key enrolled');
      await deps.audit.record({
        type: 'key.enrolled', outcome: 'success', actor: login.accountId, clientId: String(details.params.client_id),
        details: {
          via: 'after-psc', kind: credential.kind, aaguid: credential.aaguid, attestationFormat: credential.attestationFormat, model: credential.model,
          keys: (await deps.credentials.listByAccount(login.accountId)).length,
        },
      }, req);
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
