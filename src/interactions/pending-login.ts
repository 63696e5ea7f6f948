/**
 * A login that is verified but not finished yet (enrolment offer, second factor, a key to
 * confirm, notices to acknowledge): kept in
 * the journey's state (journey-state.ts), single use, with the interaction's lifetime, and bound
 * to the step it waits for — a login waiting for its second factor cannot be finished by
 * the enrolment step ("later", or enrolling a new key), nor the reverse.
 */
import type { Request, Response } from 'express';
import { UserFacingError } from '../http/errors.ts';
import { interactionFor, type InteractionDeps, type InteractionDetails } from './context.ts';
import type { PendingLogin, PendingStep, VerifiedLogin } from './journey-state.ts';

export type { PendingStep, VerifiedLogin } from './journey-state.ts';

const NAME = 'pending-login';

export async function savePendingLogin(deps: InteractionDeps, uid: string, step: PendingStep, login: VerifiedLogin): Promise<void> {
  await deps.journey.set(uid, NAME, { step, login });
}

function forStep(stored: PendingLogin | undefined, step: PendingStep): VerifiedLogin | undefined {
  return stored?.step === step ? stored.login : undefined;
}

async function readPendingLogin(deps: InteractionDeps, uid: string, step: PendingStep): Promise<VerifiedLogin | undefined> {
  return forStep(await deps.journey.get(uid, NAME), step);
}

/** The step the sign-in's login waits for, if one does. */
export async function pendingLoginStep(deps: InteractionDeps, uid: string): Promise<PendingStep | undefined> {
  return (await deps.journey.get(uid, NAME))?.step;
}

/** Takes the pending login (single use) when it waits for `step`. */
export async function takePendingLogin(deps: InteractionDeps, uid: string, step: PendingStep): Promise<VerifiedLogin | undefined> {
  return forStep(await deps.journey.take(uid, NAME), step);
}

/** This browser's interaction and its login waiting for `step`, or an "expired" page when there is none. */
export async function interactionWithPendingLogin(
  deps: InteractionDeps,
  req: Request,
  res: Response,
  step: PendingStep,
): Promise<{ details: InteractionDetails; login: VerifiedLogin }> {
  const details = await interactionFor(deps.provider, req, res);
  const login = await readPendingLogin(deps, details.uid, step);
  if (!login) throw new UserFacingError(400, 'interaction_expired', `no login waiting for the ${step} step`);
  return { details, login };
}
