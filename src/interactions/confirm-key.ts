/**
 * Confirming a key through PSC (RIE means lifecycle): after a PSC sign-in that may bind keys,
 * a clinician with a key past its maximum age, or within the warning window, is asked to touch
 * it. The assertion is restricted to this clinician's keys; the key used restarts its age
 * (audited `key.confirmed`) and the PSC login finishes at PSC's level, unchanged. "Later"
 * finishes the login without confirming (an expired key keeps being refused alone).
 */
import type { RequestHandler } from 'express';
import { createAuthenticationOptions, keyAge, keyDue, verifyAuthentication, type StoredCredential } from '../webauthn/index.ts';
import { auditKeyRefusal } from '../ceremony/key-audit.ts';
import { UserFacingError } from '../http/errors.ts';
import { sendPage } from '../http/page.ts';
import type { InteractionDeps } from './context.ts';
import { finishLogin, finishLoginUrl } from './finish-login.ts';
import { interactionWithPendingLogin, takePendingLogin, type VerifiedLogin } from './pending-login.ts';
import { sendCeremonyError } from '../ceremony/json-responses.ts';
import { noteExpiredKeys } from '../means/expired-keys.ts';
import { markWarned } from './notices-hold.ts';

/** The clinician's usable keys that should be confirmed now. */
export async function keysToConfirm(deps: InteractionDeps, accountId: string): Promise<StoredCredential[]> {
  const now = deps.clock();
  return (await deps.credentials.listUsable(accountId)).filter((credential) => keyDue(credential, now, deps.config.means));
}

/** Confirms `credential` for the PSC login `login` (the caller checked that this login may bind keys). */
export async function confirmKey(
  deps: InteractionDeps,
  req: Parameters<RequestHandler>[0],
  credential: StoredCredential,
  login: VerifiedLogin,
  via: 'after-psc' | 'second-factor',
  clientId: string,
): Promise<void> {
  if (!(await deps.credentials.confirm(credential.id, deps.clock()))) throw new UserFacingError(400, 'unknown_key', 'the key was revoked meanwhile');
  await deps.audit.record(
    {
      type: 'key.confirmed',
      outcome: 'success',
      actor: login.accountId,
      clientId,
      details: { kind: credential.kind, keyName: credential.name, via, method: login.assurance.method },
    },
    req,
  );
}

export function getConfirmKey(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const { details, login } = await interactionWithPendingLogin(deps, req, res, 'confirm-key');
    const due = await keysToConfirm(deps, login.accountId);
    await noteExpiredKeys(deps, due, deps.clock(), req);
    // Told here: "later" does not bring the same warning on the notices page.
    await markWarned(deps, login.accountId);
    const now = deps.clock();
    sendPage(deps.views, req, res, 'confirm-key', {
      uid: details.uid,
      keys: due.map((credential) => ({ name: credential.name, age: keyAge(credential, now, deps.config.means) })),
    });
  };
}

export function postConfirmKeyOptions(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const { details, login } = await interactionWithPendingLogin(deps, req, res, 'confirm-key');
    const options = await createAuthenticationOptions(deps.webauthn, {
      ceremonyKey: deps.journey.ceremonyKey(details.uid, 'webauthn-2fa'),
      forAccount: login.accountId,
    });
    res.set('cache-control', 'no-store').json(options);
  };
}

export function postConfirmKeyVerify(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const { details, login } = await interactionWithPendingLogin(deps, req, res, 'confirm-key');
    const clientId = String(details.params.client_id);
    try {
      const { credential } = await verifyAuthentication(deps.webauthn, {
        ceremonyKey: deps.journey.ceremonyKey(details.uid, 'webauthn-2fa'),
        response: (req.body as { response?: unknown } | undefined)?.response,
        accountGate: deps.limits.keyAccountGate(req),
      });
      const pending = await takePendingLogin(deps, details.uid, 'confirm-key');
      if (!pending || pending.accountId !== login.accountId) throw new UserFacingError(400, 'interaction_expired', 'pending login vanished');
      await confirmKey(deps, req, credential, pending, 'after-psc', clientId);
      res.set('cache-control', 'no-store').json({ redirectTo: await finishLoginUrl(deps, req, res, details, pending) });
    } catch (err) {
      await auditKeyRefusal(deps, req, err, { clientId, ceremony: 'second-factor', actor: login.accountId });
      sendCeremonyError(deps.views, deps.config.support.contact, req, res, err);
    }
  };
}

export function postConfirmKeySkip(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const { details } = await interactionWithPendingLogin(deps, req, res, 'confirm-key');
    const login = await takePendingLogin(deps, details.uid, 'confirm-key');
    if (!login) throw new UserFacingError(400, 'interaction_expired', 'pending login vanished');
    await finishLogin(deps, req, res, details, login);
  };
}
