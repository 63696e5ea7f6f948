/** The account portal's routes (/account). */
import express, { Router } from 'express';
import { ceremonyBody, ceremonyErrors } from '../interactions/json-responses.ts';
import type { PortalDeps } from './context.ts';
import { getPortalCallback, getPortalLogin } from './login.ts';
import { getAccountPage, getSignedOut } from './account-page.ts';
import { postAddOptions, postAddVerify, postRename } from './keys.ts';
import { getRevokeConfirm, postRevoke } from './revoke-key.ts';
import { getRaise, postRaiseOptions, postRaiseVerify } from './raise-key.ts';
import { PORTAL_CALLBACK_PATH } from './portal-client.ts';

export function portalRoutes(deps: PortalDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });
  router.get('/account', getAccountPage(deps));
  router.get('/account/login', getPortalLogin(deps));
  router.get(PORTAL_CALLBACK_PATH, getPortalCallback(deps));
  router.get('/account/signed-out', getSignedOut(deps));
  router.post('/account/keys/:id/rename', form, postRename(deps));
  router.get('/account/keys/:id/revoke', getRevokeConfirm(deps));
  router.post('/account/keys/:id/revoke', form, postRevoke(deps));
  router.get('/account/keys/:id/raise', getRaise(deps));
  const ceremonies = Router();
  ceremonies.post('/account/keys/options', ceremonyBody, postAddOptions(deps));
  ceremonies.post('/account/keys/verify', ceremonyBody, postAddVerify(deps));
  ceremonies.post('/account/keys/:id/raise/options', ceremonyBody, postRaiseOptions(deps));
  ceremonies.post('/account/keys/:id/raise/verify', ceremonyBody, postRaiseVerify(deps));
  ceremonies.use(ceremonyErrors(deps.views));
  router.use(ceremonies);
  return router;
}
