/**
 * The shared-workstation pass: a full two-factor sign-in (amr `mfa`) from a declared
 * shared-workstation network (sessions.sharedWorkstation.networks) lets the clinician reopen
 * their session on that network with a touch of their own key, for
 * sessions.sharedWorkstation.quickReauthMinutes after it (quick-reauth.ts). The pass is kept
 * per clinician with the time of that sign-in; quick re-authentications do not renew it (they
 * are one factor), only the next full sign-in there does. A sign-in from anywhere else leaves
 * it as it is: it was earned on the shared network and is only usable there.
 */
import type { Request } from 'express';
import { networkMatcher } from '../http/networks.ts';
import type { Assurance } from '../assurance/index.ts';
import type { InteractionDeps } from './context.ts';

export interface WorkstationPass {
  /** Epoch ms of the full sign-in that opened the window. */
  at: number;
}

const MATCHERS = new WeakMap<readonly string[], (ip: string | undefined) => boolean>();

/** Whether quick re-authentication is on and this request comes from a shared-workstation network. */
export function onSharedWorkstation(deps: Pick<InteractionDeps, 'config'>, req: Request): boolean {
  const { networks, quickReauthMinutes } = deps.config.sessions.sharedWorkstation;
  if (quickReauthMinutes === 0 || networks.length === 0) return false;
  let matcher = MATCHERS.get(networks);
  if (!matcher) {
    matcher = networkMatcher(networks);
    MATCHERS.set(networks, matcher);
  }
  return matcher(req.ip);
}

const passKey = (deps: Pick<InteractionDeps, 'keys'>, accountId: string) => deps.keys.accountPart(accountId, 'workstation-pass');
const windowMs = (deps: Pick<InteractionDeps, 'config'>) => deps.config.sessions.sharedWorkstation.quickReauthMinutes * 60_000;

/** After a verified sign-in: opens the window when it was a full two-factor sign-in on a shared-workstation network. */
export async function recordWorkstationPass(deps: InteractionDeps, req: Request, login: { accountId: string; authTime: number; assurance: Assurance }): Promise<void> {
  if (!login.assurance.amr.includes('mfa') || !onSharedWorkstation(deps, req)) return;
  const pass: WorkstationPass = { at: login.authTime };
  await deps.store.set(passKey(deps, login.accountId), JSON.stringify(pass), Math.ceil(windowMs(deps) / 1000));
}

/** The clinician's pass when its window is still open at `now`. */
export async function openWorkstationPass(deps: InteractionDeps, accountId: string, now: number): Promise<WorkstationPass | undefined> {
  const raw = await deps.store.get(passKey(deps, accountId));
  if (!raw) return undefined;
  const pass = JSON.parse(raw) as WorkstationPass;
  return now - pass.at <= windowMs(deps) ? pass : undefined;
}
