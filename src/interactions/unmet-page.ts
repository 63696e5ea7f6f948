/**
 * The "niveau insuffisant" page: the application requires a level that the sign-in (or every
 * means the clinician has) does not reach. After a PSC answer below the level it is shown by
 * the one-time collection of that answer (/psc/done), which is never replayed:
 * GET /interaction/:uid/unmet shows it again (another language, a reload) from the reason
 * recorded for the interaction (unmet-reason.ts), consuming and recording nothing. Without such
 * a reason (a new round trip started, or the person went back) that address leads to the
 * interaction's own page, which also shows the page when no means at all reaches the level.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Requirement } from '../assurance/index.ts';
import { sendPage } from '../http/page.ts';
import { showAgainAt } from '../http/current-step.ts';
import { interactionFor, type InteractionDeps } from './context.ts';
import { readUnmet } from './unmet-reason.ts';

export interface UnmetPage {
  clientName: string;
  requirement: Pick<Requirement, 'level' | 'phishingResistant'>;
  /** PSC answered below the level: offer a new PSC sign-in (with the card). */
  retryPsc?: boolean;
  /** The application requires a key, which a sign-in this weak cannot enrol. */
  enrolmentTooWeak?: boolean;
}

export function sendUnmetPage(deps: InteractionDeps, req: Request, res: Response, uid: string, page: UnmetPage): void {
  if (page.retryPsc) showAgainAt(res, `/interaction/${encodeURIComponent(uid)}/unmet`);
  sendPage(deps.views, req, res, 'unmet', { uid, ...page }, 403);
}

/** GET /interaction/:uid/unmet */
export function getUnmet(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const details = await interactionFor(deps.provider, req, res);
    const unmet = await readUnmet(deps, details.uid);
    if (unmet?.reason !== 'means-used-falls-short') {
      res.redirect(303, `/interaction/${encodeURIComponent(details.uid)}`);
      return;
    }
    const client = await deps.provider.Client.find(String(details.params.client_id));
    sendUnmetPage(deps, req, res, details.uid, {
      clientName: client?.clientName ?? '',
      requirement: unmet.requirement,
      retryPsc: true,
      enrolmentTooWeak: unmet.enrolmentTooWeak === true,
    });
  };
}
