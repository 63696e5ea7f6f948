/**
 * GET /federation/psc/callback — PSC's redirect back. Verifies the round trip
 * (federation/psc-login.ts), refreshes the practitioner account, works out the level
 * (assurance) and hands the result (single use) to /interaction/:uid/psc/done, where the
 * interaction cookie proves it is the same browser. Failures get a French page (psc-failure-page.ts,
 * which shows it again without this one-time address); the relying party learns of them when the
 * person chooses to go back (abort.ts).
 */
import type { RequestHandler } from 'express';
import { FederationError } from '../federation/index.ts';
import { isStoreUnavailable } from '../store/unavailable.ts';
import { pscAssurance } from '../assurance/index.ts';
import { readCookie } from '../http/page.ts';
import { pscBindingCookie, type InteractionDeps } from './context.ts';
import { stateDigest } from './psc-start.ts';
import type { VerifiedLogin } from './pending-login.ts';
import { professionOf } from '../accounts/index.ts';
import { attemptId } from '../http/audit.ts';
import { isShownFailure, recordPscFailure, sendPscFailurePage, sendUnboundPscFailurePage } from './psc-failure-page.ts';

export function getPscCallback(deps: InteractionDeps, redirectUri: string): RequestHandler {
  return async (req, res) => {
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    const callbackUrl = new URL(`${redirectUri}${query}`);
    const state = callbackUrl.searchParams.get('state') ?? '';
    const cookieName = pscBindingCookie(stateDigest(state));
    const boundState = state ? readCookie(req, cookieName) : undefined;
    // The binding is spent only once the state was read (a verdict, success or FederationError):
    // a store outage before that (503) leaves it, so a reload after recovery finishes the sign-in.
    const spendBinding = () => {
      if (boundState !== undefined) res.clearCookie(cookieName, { path: '/federation/psc' });
    };

    try {
      const { uid, login, upstream } = await deps.psc.complete(callbackUrl, boundState).then(
        (completed) => {
          spendBinding();
          return completed;
        },
        (err: unknown) => {
          if (!isStoreUnavailable(err)) spendBinding();
          throw err;
        },
      );
      const { account, created } = await deps.accounts.upsertFromPsc(login);
      const level = pscAssurance(deps.policy, upstream);
      req.log.info(
        { uid, idNat: account.idNat, method: level.method, acr: level.acr, upstreamAcr: upstream.acr, authMode: upstream.authMode },
        'PSC login verified',
      );
      await deps.audit.record(
        {
          type: 'psc.verified',
          outcome: 'success',
          actor: account.idNat,
          profession: professionOf(account),
          details: { authMode: upstream.authMode, upstreamAcr: upstream.acr, method: level.method, acr: level.acr, created, attempt: attemptId(uid) },
        },
        req,
      );
      const result: VerifiedLogin = { accountId: account.idNat, authTime: deps.clock(), assurance: level };
      await deps.journey.set(uid, 'psc-result', result);
      res.redirect(303, `/interaction/${uid}/psc/done`);
    } catch (err) {
      if (!(err instanceof FederationError)) throw err;
      req.log.warn({ failure: err.failure, uid: err.uid, detail: err.message }, 'PSC login failed');
      await deps.audit.record(
        { type: 'psc.failed', outcome: 'failure', reason: err.failure, ...(err.uid ? { details: { attempt: attemptId(err.uid) } } : {}) },
        req,
      );
      if (err.uid) await recordPscFailure(deps, err.uid, err.failure);
      if (err.uid && isShownFailure(err.failure)) sendPscFailurePage(deps, req, res, err.uid, err.failure);
      else sendUnboundPscFailurePage(deps, req, res, err.failure);
    }
  };
}
