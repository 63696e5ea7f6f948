/**
 * The login journey's routes: pages and forms (HTML answers) and the WebAuthn ceremony
 * endpoints used by the pages' scripts (JSON answers). Bodies are parsed here only
 * (oidc-provider parses its own endpoints' bodies). Sign-in steps count against the client
 * address's abuse limit (limits/), before their bodies are read. A page answering a form or a
 * one-time address is shown again by the interaction's own page, or by the page of its step
 * (PSC failure, level too low) when it names one; never by replaying (http/current-step.ts).
 */
import express, { Router, type RequestHandler } from 'express';
import type { InteractionDeps } from './context.ts';
import { showInteraction } from './show.ts';
import { postConsent } from './consent.ts';
import { postAbort } from './abort.ts';
import { postPscStart } from './psc-start.ts';
import { getPscCallback } from './psc-callback.ts';
import { getPscDone } from './psc-done.ts';
import { postSignInOptions, postSignInVerify } from './webauthn-signin.ts';
import { getEnrol, postEnrolOptions, postEnrolSkip, postEnrolVerify } from './enrol.ts';
import { getNotices, postNotices } from './notices-step.ts';
import { getConfirmKey, postConfirmKeyOptions, postConfirmKeySkip, postConfirmKeyVerify } from './confirm-key.ts';
import { getSecondFactor, postSecondFactorOptions, postSecondFactorVerify } from './second-factor.ts';
import { ceremonyBody, ceremonyErrors } from '../ceremony/json-responses.ts';
import { getPscFailure } from './psc-failure-page.ts';
import { getUnmet } from './unmet-page.ts';
import { emergencyForm, getEmergency, postEmergency } from './emergency.ts';
import { getQuick, postQuickOptions, postQuickVerify } from './quick-reauth.ts';
import { getDelegationNoKey, getDelegationRefused } from './delegation-pages.ts';
import { csrfToken, csrfValid, interactionBinding } from '../http/csrf.ts';
import { notReplayable } from '../http/current-step.ts';
import { UserFacingError } from '../http/errors.ts';
import { setBackLink } from '../http/back-link.ts';
import { interactionBackLink } from './interaction-client.ts';
import { INTERACTION_UID } from './context.ts';

export const PSC_CALLBACK_PATH = '/federation/psc/callback';

export function interactionRoutes(deps: InteractionDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: deps.config.http.bodyLimit, parameterLimit: 20 });
  const step = deps.limits.signinStep;
  // Every page of an interaction carries the token of its forms; every form post is checked.
  // An error page of the journey links back to the interaction's application when it is known.
  router.use('/interaction/:uid', (req, res, next) => {
    const uid = String(req.params.uid);
    res.locals.csrf = csrfToken(deps.csrfSecret, interactionBinding(uid));
    if (INTERACTION_UID.test(uid)) setBackLink(res, () => interactionBackLink(deps, uid));
    next();
  });
  const checked: RequestHandler = (req, _res, next) => {
    next(
      csrfValid(deps.csrfSecret, interactionBinding(String(req.params.uid)), req)
        ? undefined
        : new UserFacingError(403, 'csrf', 'missing or wrong CSRF token on an interaction form'),
    );
  };
  const atInteraction = notReplayable((req) => `/interaction/${encodeURIComponent(String(req.params.uid))}`);
  router.get('/interaction/:uid', showInteraction(deps));
  router.post('/interaction/:uid/psc', atInteraction, step, form, checked, postPscStart(deps));
  router.get('/interaction/:uid/psc/done', atInteraction, getPscDone(deps));
  router.get('/interaction/:uid/psc/failure', getPscFailure(deps));
  router.get('/interaction/:uid/unmet', getUnmet(deps));
  router.get('/interaction/:uid/delegation/no-key', getDelegationNoKey(deps));
  router.get('/interaction/:uid/delegation/refused', getDelegationRefused(deps));
  router.post('/interaction/:uid/consent', atInteraction, form, checked, postConsent(deps));
  router.post('/interaction/:uid/abort', atInteraction, form, checked, postAbort(deps));
  router.get(PSC_CALLBACK_PATH, notReplayable(), step, getPscCallback(deps, `${deps.config.issuer}${PSC_CALLBACK_PATH}`));
  router.get('/interaction/:uid/enrol', getEnrol(deps));
  router.post('/interaction/:uid/enrol/skip', atInteraction, form, checked, postEnrolSkip(deps));
  router.get('/interaction/:uid/second-factor', getSecondFactor(deps));
  router.get('/interaction/:uid/confirm-key', getConfirmKey(deps));
  router.get('/interaction/:uid/notices', getNotices(deps));
  router.post('/interaction/:uid/notices', atInteraction, form, checked, postNotices(deps));
  router.post('/interaction/:uid/confirm-key/skip', atInteraction, form, checked, postConfirmKeySkip(deps));
  router.get('/interaction/:uid/emergency', getEmergency(deps));
  router.get('/interaction/:uid/quick', getQuick(deps));
  const atEmergency = notReplayable((req) => `/interaction/${encodeURIComponent(String(req.params.uid))}/emergency`);
  router.post('/interaction/:uid/emergency', atEmergency, step, emergencyForm, checked, postEmergency(deps));

  const ceremonies = Router();
  ceremonies.post('/interaction/:uid/webauthn/options', step, ceremonyBody, postSignInOptions(deps));
  ceremonies.post('/interaction/:uid/webauthn/verify', step, ceremonyBody, postSignInVerify(deps));
  ceremonies.post('/interaction/:uid/enrol/options', step, ceremonyBody, postEnrolOptions(deps));
  ceremonies.post('/interaction/:uid/enrol/verify', step, ceremonyBody, postEnrolVerify(deps));
  ceremonies.post('/interaction/:uid/second-factor/options', step, ceremonyBody, postSecondFactorOptions(deps));
  ceremonies.post('/interaction/:uid/second-factor/verify', step, ceremonyBody, postSecondFactorVerify(deps));
  ceremonies.post('/interaction/:uid/confirm-key/options', step, ceremonyBody, postConfirmKeyOptions(deps));
  ceremonies.post('/interaction/:uid/confirm-key/verify', step, ceremonyBody, postConfirmKeyVerify(deps));
  ceremonies.post('/interaction/:uid/quick/options', step, ceremonyBody, postQuickOptions(deps));
  ceremonies.post('/interaction/:uid/quick/verify', step, ceremonyBody, postQuickVerify(deps));
  ceremonies.use(ceremonyErrors(deps.views));
  router.use(ceremonies);
  return router;
}
