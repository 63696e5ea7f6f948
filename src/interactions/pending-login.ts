/**
 * A login that is verified but not finished yet (enrolment offer, second factor, a key to
 * confirm, notices to acknowledge): kept in
 * the store under the interaction, single use, with the interaction's lifetime, and bound
 * to the step it waits for — a login waiting for its second factor cannot be finished by
 * the enrolment step ("later", or enrolling a new key), nor the reverse.
 */
import type { Request, Response } from 'express';
import { UserFacingError } from '../http/errors.ts';
import { interactionFor, type InteractionDeps, type InteractionDetails } from './context.ts';
import type { Assurance } from '../assurance/index.ts';

/** Who signed in, when, and what it proved. */
export interface VerifiedLogin {
  accountId: string;
  /** Epoch ms the authentication was verified: the token's `auth_time`, whatever pages follow. */
  authTime: number;
  assurance: Assurance;
  /** The key used, for WebAuthn sign-ins (its revocation ends the login). */
  key?: { id: string; name: string };
}

/** The step a pending login waits for. */
export type PendingStep = 'enrol' | 'second-factor' | 'confirm-key' | 'notices';

interface StoredPendingLogin {
  step: PendingStep;
  login: VerifiedLogin;
}

const NAME = 'pending-login';

export async function savePendingLogin(deps: InteractionDeps, uid: string, step: PendingStep, login: VerifiedLogin): Promise<void> {
  const stored: StoredPendingLogin = { step, login };
  await deps.store.set(deps.keys.interaction(uid, NAME), JSON.stringify(stored), deps.config.ttl.interaction);
}

function forStep(raw: string | null, step: PendingStep): VerifiedLogin | undefined {
  if (!raw) return undefined;
  const stored = JSON.parse(raw) as Partial<StoredPendingLogin>;
  return stored.step === step && typeof stored.login?.authTime === 'number' ? stored.login : undefined;
}

async function readPendingLogin(deps: InteractionDeps, uid: string, step: PendingStep): Promise<VerifiedLogin | undefined> {
  return forStep(await deps.store.get(deps.keys.interaction(uid, NAME)), step);
}

/** Takes the pending login (single use) when it waits for `step`. */
export async function takePendingLogin(deps: InteractionDeps, uid: string, step: PendingStep): Promise<VerifiedLogin | undefined> {
  return forStep(await deps.store.take(deps.keys.interaction(uid, NAME)), step);
}

/** This browser's interaction and its login waiting for `step`, or an "expired" page when there is none. */
export async function interactionWithPendingLogin(deps: InteractionDeps, req: Request, res: Response, step: PendingStep): Promise<{ details: InteractionDetails; login: VerifiedLogin }> {
  const details = await interactionFor(deps.provider, req, res);
  const login = await readPendingLogin(deps, details.uid, step);
  if (!login) throw new UserFacingError(400, 'interaction_expired', `no login waiting for the ${step} step`);
  return { details, login };
}
