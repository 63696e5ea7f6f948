/**
 * Emergency access on the sign-in page (accès de secours): GET /interaction/:uid/emergency
 * asks for the national identifier and the code an administrator handed over; POST checks
 * them (emergency/codes.ts: single use, this clinician's, not expired) and signs in at what
 * the policy's emergency method is worth (config/assurance.json: eidas1, amr otp). An
 * application that needs more is refused before the code is looked at, so the code is not
 * spent. Every use and refusal is in the audit trail and a warning log line.
 */
import express, { type Request, type RequestHandler, type Response } from 'express';
import { assuranceOfMethod, satisfies } from '../assurance/index.ts';
import { ID_NAT_PATTERN } from '../accounts/index.ts';
import { createEmergencyCodes, normalizeCode } from '../emergency/index.ts';
import { sendPage } from '../http/page.ts';
import { UserFacingError } from '../http/errors.ts';
import { interactionFor, type InteractionDeps, type InteractionDetails } from './context.ts';
import { requirementOf } from './requirement.ts';
import { finishLogin } from './finish-login.ts';
import { noticesStepUrl } from './notices-hold.ts';
import { pendingLoginStep } from './pending-login.ts';

type Problem = 'malformed' | 'refused' | 'expired' | 'level';

async function loginDetails(deps: InteractionDeps, req: Request, res: Response): Promise<InteractionDetails> {
  const details = await interactionFor(deps.provider, req, res);
  if (details.prompt.name !== 'login') throw new UserFacingError(400, 'interaction_expired', 'no sign-in is pending');
  return details;
}

async function acceptsEmergency(deps: InteractionDeps, details: InteractionDetails): Promise<boolean> {
  return satisfies(assuranceOfMethod(deps.policy, deps.policy.emergency.method), await requirementOf(deps, details));
}

function page(
  deps: InteractionDeps,
  req: Request,
  res: Response,
  uid: string,
  options: { problem?: Problem; idNat?: string; accepted: boolean },
  status = 200,
) {
  sendPage(deps.views, req, res, 'emergency', { uid, ...options, validityHours: deps.config.emergency.validityHours }, status);
}

export function getEmergency(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const details = await loginDetails(deps, req, res);
    const accepted = await acceptsEmergency(deps, details);
    page(deps, req, res, details.uid, accepted ? { accepted } : { accepted, problem: 'level' }, accepted ? 200 : 403);
  };
}

export const emergencyForm = express.urlencoded({ extended: false, limit: '2kb', parameterLimit: 5 });

export function postEmergency(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const details = await loginDetails(deps, req, res);
    const clientId = String(details.params.client_id);
    const body = (req.body ?? {}) as { idNat?: unknown; code?: unknown };
    const idNat = typeof body.idNat === 'string' ? body.idNat.trim() : '';
    const code = normalizeCode(body.code);
    // The clinician a spent code was issued to is the event's actor: it shows in their activity.
    const refuse = async (reason: string, problem: Problem, extra: { issuedFor?: string | undefined } = {}) => {
      await deps.audit.record(
        {
          type: 'emergency.refused',
          outcome: 'failure',
          actor: extra.issuedFor,
          clientId,
          reason,
          details: { claimed: ID_NAT_PATTERN.test(idNat) ? idNat : undefined, ...extra },
        },
        req,
      );
      req.log.warn({ event: 'emergency.refused', reason, claimed: ID_NAT_PATTERN.test(idNat) ? idNat : undefined, clientId }, 'emergency access code refused');
      page(
        deps,
        req,
        res,
        details.uid,
        { problem, idNat: ID_NAT_PATTERN.test(idNat) ? idNat : undefined, accepted: problem !== 'level' },
        problem === 'level' ? 403 : 400,
      );
    };
    if (!ID_NAT_PATTERN.test(idNat) || !code) return refuse('malformed', 'malformed');
    if (!(await acceptsEmergency(deps, details))) return refuse('level-too-low', 'level');
    const now = deps.clock();
    const redemption = await createEmergencyCodes(deps.store, deps.keyNames).redeem({ code, idNat, now, attempt: details.uid });
    // The form sent twice (a double click): the other submission signed the clinician in, and the
    // browser shows this answer: it goes where that one went (the notices step, or on with the sign-in).
    if ('thisSignIn' in redemption) {
      const held = (await pendingLoginStep(deps, details.uid)) === 'notices';
      return res.redirect(303, held ? noticesStepUrl(details.uid) : details.returnTo);
    }
    if (!redemption.ok) {
      return refuse(redemption.reason, redemption.reason === 'code-expired' ? 'expired' : 'refused', { issuedFor: redemption.grant?.idNat });
    }
    const { grant, spend } = redemption;
    if (!(await deps.accounts.find(idNat))) {
      await spend(); // refused: spent, as every refusal of a code
      return refuse('unknown-clinician', 'refused');
    }
    const assurance = assuranceOfMethod(deps.policy, deps.policy.emergency.method);
    await deps.audit.record(
      {
        type: 'emergency.used',
        outcome: 'success',
        actor: idNat,
        clientId,
        details: { issuedBy: grant.issuedBy, via: grant.via, issuedAt: new Date(grant.issuedAt).toISOString(), method: assurance.method, acr: assurance.acr },
      },
      req,
    );
    req.log.warn(
      { event: 'emergency.used', idNat, issuedBy: grant.issuedBy, clientId, acr: assurance.acr },
      'emergency access code used: session at the lowest level',
    );
    // The code is spent once the sign-in is stored, as its redirect leaves: a sign-in cut before leaves it usable (emergency/codes.ts).
    await finishLogin(deps, req, res, details, { accountId: idNat, authTime: now, assurance }, { beforeAnswer: spend });
  };
}
