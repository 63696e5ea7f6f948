/**
 * The account portal's routes (/account). A page answering a form or the one-time return from
 * sign-in is shown again as /account, never by replaying (http/current-step.ts).
 */
import express, { Router } from 'express';
import { ceremonyBody, ceremonyErrors } from '../ceremony/json-responses.ts';
import type { PortalDeps } from './context.ts';
import { getPortalCallback, getPortalLogin } from './login.ts';
import { getAccountPage, getSignedOut } from './account-page.ts';
import { postAddOptions, postAddVerify, postRename } from './keys.ts';
import { getRevokeConfirm, postRevoke } from './revoke-key.ts';
import { getRaise, postRaiseOptions, postRaiseVerify } from './raise-key.ts';
import { PORTAL_CALLBACK_PATH } from './portal-client.ts';
import { postEmail, postEmailRemove, postEmailVerify } from './contact-email.ts';
import { notReplayable } from '../http/current-step.ts';

export function portalRoutes(deps: PortalDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });
  const atAccount = notReplayable(() => '/account');
  router.get('/account', getAccountPage(deps));
  router.get('/account/login', getPortalLogin(deps));
  router.get(PORTAL_CALLBACK_PATH, atAccount, getPortalCallback(deps));
  router.get('/account/signed-out', getSignedOut(deps));
  router.post('/account/keys/:id/rename', atAccount, form, postRename(deps));
  router.get('/account/keys/:id/revoke', getRevokeConfirm(deps));
  router.post('/account/keys/:id/revoke', atAccount, form, postRevoke(deps));
  router.get('/account/keys/:id/raise', getRaise(deps));
  router.post('/account/email', atAccount, form, postEmail(deps));
  router.post('/account/email/verify', atAccount, form, postEmailVerify(deps));
  router.post('/account/email/remove', atAccount, form, postEmailRemove(deps));
  const ceremonies = Router();
  ceremonies.post('/account/keys/options', ceremonyBody, postAddOptions(deps));
  ceremonies.post('/account/keys/verify', ceremonyBody, postAddVerify(deps));
  ceremonies.post('/account/keys/:id/raise/options', ceremonyBody, postRaiseOptions(deps));
  ceremonies.post('/account/keys/:id/raise/verify', ceremonyBody, postRaiseVerify(deps));
  ceremonies.use(ceremonyErrors(deps.views));
  router.use(ceremonies);
  return router;
}
