/**
 * A login that is verified but not finished yet (enrolment offer, second factor): kept in
 * the store under the interaction, single use, with the interaction's lifetime.
 */
import type { Request, Response } from 'express';
import { UserFacingError } from '../http/errors.ts';
import { interactionFor, type InteractionDeps, type InteractionDetails } from './context.ts';
import type { AssuranceResult } from '../assurance/index.ts';

export interface PendingLogin extends AssuranceResult {
  accountId: string;
  /** Name of the key used, for WebAuthn sign-ins. */
  keyName?: string;
}

const NAME = 'pending-login';

export async function savePendingLogin(deps: InteractionDeps, uid: string, login: PendingLogin): Promise<void> {
  await deps.store.set(deps.keys.interaction(uid, NAME), JSON.stringify(login), deps.config.ttl.interaction);
}

export async function readPendingLogin(deps: InteractionDeps, uid: string): Promise<PendingLogin | undefined> {
  const raw = await deps.store.get(deps.keys.interaction(uid, NAME));
  return raw ? (JSON.parse(raw) as PendingLogin) : undefined;
}

export async function takePendingLogin(deps: InteractionDeps, uid: string): Promise<PendingLogin | undefined> {
  const raw = await deps.store.take(deps.keys.interaction(uid, NAME));
  return raw ? (JSON.parse(raw) as PendingLogin) : undefined;
}

/** This browser's interaction and its pending login, or an "expired" page when there is none. */
export async function interactionWithPendingLogin(deps: InteractionDeps, req: Request, res: Response, purpose: string): Promise<{ details: InteractionDetails; login: PendingLogin }> {
  const details = await interactionFor(deps.provider, req, res);
  const login = await readPendingLogin(deps, details.uid);
  if (!login) throw new UserFacingError(400, 'interaction_expired', `no pending login ${purpose}`);
  return { details, login };
}
