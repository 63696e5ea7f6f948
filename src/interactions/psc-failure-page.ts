/**
 * The page saying that a PSC round trip of an interaction failed (refused, unavailable, answer
 * rejected), with retry and back buttons. Shown where the failure happened (PSC's callback, the
 * form starting the round trip), which are never replayed: GET /interaction/:uid/psc/failure
 * shows it again (another language, a reload) from the failure recorded for the interaction —
 * the one abort.ts reports — consuming nothing. Once no failure is recorded (a new round trip
 * started, or the person went back), that address leads to the interaction's own page.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { FederationFailure } from '../federation/index.ts';
import { sendPage } from '../http/page.ts';
import { csrfToken, interactionBinding } from '../http/csrf.ts';
import { showAgainAt } from '../http/current-step.ts';
import { interactionFor, type InteractionDeps } from './context.ts';

/** Store name (under the interaction) of the last PSC failure, taken by abort.ts. */
export const PSC_FAILURE = 'psc-failure' as const;

/** Status of the page: a refusal is the person's choice, PSC down is temporary, the rest a bad answer. */
const STATUS: Record<FederationFailure, number> = { refused: 200, unavailable: 503, 'invalid-state': 400, 'invalid-response': 400, 'invalid-claims': 400 };

/** Failures shown with the interaction's buttons; an unusable state proves nothing about this browser. */
type ShownFailure = Exclude<FederationFailure, 'invalid-state'>;
const SHOWN = new Set<string>(['refused', 'unavailable', 'invalid-response', 'invalid-claims'] satisfies ShownFailure[]);

export function isShownFailure(failure: unknown): failure is ShownFailure {
  return typeof failure === 'string' && SHOWN.has(failure);
}

export async function recordPscFailure(deps: InteractionDeps, uid: string, failure: FederationFailure): Promise<void> {
  await deps.journey.set(uid, PSC_FAILURE, failure);
}

/** Sends the page of a recorded failure (`status`: the default for the failure unless given). */
export function sendPscFailurePage(deps: InteractionDeps, req: Request, res: Response, uid: string, failure: ShownFailure, status = STATUS[failure]): void {
  res.locals.csrf = csrfToken(deps.csrfSecret, interactionBinding(uid));
  showAgainAt(res, `/interaction/${encodeURIComponent(uid)}/psc/failure`);
  sendPage(deps.views, req, res, 'psc-error', { uid, failure, canRetry: failure === 'refused' || failure === 'unavailable' }, status);
}

/** The page for a failure that belongs to no interaction of this browser: no buttons, no language link. */
export function sendUnboundPscFailurePage(deps: InteractionDeps, req: Request, res: Response, failure: FederationFailure): void {
  showAgainAt(res, null);
  sendPage(deps.views, req, res, 'psc-error', { uid: undefined, failure, canRetry: false }, STATUS[failure]);
}

/** GET /interaction/:uid/psc/failure */
export function getPscFailure(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const details = await interactionFor(deps.provider, req, res);
    const failure = await deps.journey.get(details.uid, PSC_FAILURE);
    if (!isShownFailure(failure)) {
      res.redirect(303, `/interaction/${encodeURIComponent(details.uid)}`);
      return;
    }
    sendPscFailurePage(deps, req, res, details.uid, failure);
  };
}
