/**
 * Quick re-authentication at a shared workstation: GET /interaction/:uid/quick shows one
 * button, "touch your key"; POST …/quick/options asks the browser for user presence only (no
 * PIN, no biometrics), POST …/quick/verify checks the assertion and signs in at what a touch is
 * worth (assurance/presence-assurance.ts: eidas1 by default, amr `hwk`/`swk` + `user`, never
 * `mfa`). Only from a declared shared-workstation network, only with the key of a clinician
 * whose full two-factor sign-in on this workstation is at most
 * sessions.sharedWorkstation.quickReauthMinutes old (workstation-pass.ts), and only for an
 * application that accepts that level; anything else is refused with what to do instead (the
 * full sign-in), and audited.
 */
import type { Request, RequestHandler, Response } from 'express';
import { assuranceOfMethod, presenceAssurance, satisfies } from '../assurance/index.ts';
import { createAuthenticationOptions, verifyAuthentication, WebAuthnError } from '../webauthn/index.ts';
import { UserFacingError } from '../http/errors.ts';
import { sendPage } from '../http/page.ts';
import { interactionFor, type InteractionDeps, type InteractionDetails } from './context.ts';
import { requirementOf } from './requirement.ts';
import { JourneyRefusal } from '../ceremony/journey-refusal.ts';
import { sendCeremonyError } from '../ceremony/json-responses.ts';
import { auditKeyRefusal } from '../ceremony/key-audit.ts';
import { finishLoginUrl } from './finish-login.ts';
import { onSharedWorkstation, openPasses } from './workstation-pass.ts';

async function loginDetails(deps: InteractionDeps, req: Request, res: Response): Promise<InteractionDetails> {
  const details = await interactionFor(deps.provider, req, res);
  if (details.prompt.name !== 'login') throw new UserFacingError(400, 'interaction_expired', 'no sign-in is pending');
  return details;
}

function windowOver(deps: InteractionDeps): JourneyRefusal {
  return new JourneyRefusal('quick-window-over', { minutes: deps.config.sessions.sharedWorkstation.quickReauthMinutes });
}

/** Whether a touch would do for this application. */
export async function presenceMeets(deps: InteractionDeps, details: InteractionDetails): Promise<boolean> {
  return satisfies(assuranceOfMethod(deps.policy, deps.policy.sharedWorkstation.method), await requirementOf(deps, details));
}

/** Throws the refusal when quick re-authentication cannot be used for this request. */
async function refuseOutsideRules(deps: InteractionDeps, req: Request, details: InteractionDetails): Promise<void> {
  if (!onSharedWorkstation(deps, req)) throw new JourneyRefusal('quick-not-here');
  if (!(await presenceMeets(deps, details))) throw new JourneyRefusal('insufficient-level');
}

export function getQuick(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const details = await loginDetails(deps, req, res);
    const problem = !onSharedWorkstation(deps, req)
      ? 'quick-not-here'
      : !(await presenceMeets(deps, details))
        ? 'insufficient-level'
        : (await openPasses(deps, req, deps.clock())).length === 0
          ? 'quick-window-over'
          : undefined;
    sendPage(
      deps.views,
      req,
      res,
      'quick',
      { uid: details.uid, problem, minutes: deps.config.sessions.sharedWorkstation.quickReauthMinutes },
      problem ? 403 : 200,
    );
  };
}

export function postQuickOptions(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const details = await loginDetails(deps, req, res);
    try {
      await refuseOutsideRules(deps, req, details);
    } catch (err) {
      await auditKeyRefusal(deps, req, err, { clientId: String(details.params.client_id), ceremony: 'quick' });
      sendCeremonyError(deps.views, deps.config.support.contact, req, res, err);
      return;
    }
    const passes = await openPasses(deps, req, deps.clock());
    try {
      if (passes.length === 0) throw windowOver(deps);
      const options = await createAuthenticationOptions(deps.webauthn, {
        ceremonyKey: deps.journey.ceremonyKey(details.uid, 'webauthn-quick'),
        presenceOnly: true,
        forAccounts: passes,
      });
      res.set('cache-control', 'no-store').json(options);
    } catch (err) {
      const refusal = err instanceof WebAuthnError && err.code === 'no-credentials' ? windowOver(deps) : err;
      await auditKeyRefusal(deps, req, refusal, { clientId: String(details.params.client_id), ceremony: 'quick' });
      sendCeremonyError(deps.views, deps.config.support.contact, req, res, refusal);
    }
  };
}

export function postQuickVerify(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const details = await interactionFor(deps.provider, req, res);
    const clientId = String(details.params.client_id);
    try {
      const { idNat, credential, presenceOnly } = await verifyAuthentication(deps.webauthn, {
        ceremonyKey: deps.journey.ceremonyKey(details.uid, 'webauthn-quick'),
        response: (req.body as { response?: unknown } | undefined)?.response,
        accountGate: deps.limits.keyAccountGate(req),
      });
      if (!presenceOnly) throw new UserFacingError(400, 'interaction_expired', 'quick verify answered a ceremony that was not a quick one');
      await refuseOutsideRules(deps, req, details);
      const now = deps.clock();
      if (!(await openPasses(deps, req, now)).includes(idNat)) {
        req.log.info({ idNat }, 'quick re-authentication refused: no full sign-in on this shared workstation within the window');
        throw windowOver(deps);
      }
      const assurance = presenceAssurance(deps.policy, credential);
      if (!satisfies(assurance, await requirementOf(deps, details))) throw new JourneyRefusal('insufficient-level');
      req.log.info({ uid: details.uid, idNat, method: assurance.method, acr: assurance.acr }, 'quick re-authentication at a shared workstation');
      const redirectTo = await finishLoginUrl(deps, req, res, details, {
        accountId: idNat,
        authTime: now,
        assurance,
        key: { id: credential.id, name: credential.name },
      });
      res.set('cache-control', 'no-store').json({ redirectTo });
    } catch (err) {
      await auditKeyRefusal(deps, req, err, { clientId, ceremony: 'quick' });
      sendCeremonyError(deps.views, deps.config.support.contact, req, res, err);
    }
  };
}
