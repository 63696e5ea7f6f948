/**
 * The login journey's routes. Bodies of our own forms are parsed here only (oidc-provider
 * parses its own endpoints' bodies).
 */
import express, { Router } from 'express';
import type { InteractionDeps } from './context.ts';
import { showInteraction } from './show.ts';
import { postConsent } from './consent.ts';
import { postAbort } from './abort.ts';
import { postPscStart } from './psc-start.ts';
import { getPscCallback } from './psc-callback.ts';
import { getPscDone } from './psc-done.ts';

export const PSC_CALLBACK_PATH = '/federation/psc/callback';

export function interactionRoutes(deps: InteractionDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: deps.config.http.bodyLimit, parameterLimit: 20 });
  router.get('/interaction/:uid', showInteraction(deps));
  router.post('/interaction/:uid/psc', form, postPscStart(deps));
  router.get('/interaction/:uid/psc/done', getPscDone(deps));
  router.post('/interaction/:uid/consent', form, postConsent(deps));
  router.post('/interaction/:uid/abort', form, postAbort(deps));
  router.get(PSC_CALLBACK_PATH, getPscCallback(deps, `${deps.config.issuer}${PSC_CALLBACK_PATH}`));
  return router;
}
