/**
 * Shared-workstation passes: a full two-factor sign-in (amr `mfa`) on a workstation of a
 * declared shared-workstation network (sessions.sharedWorkstation.networks) lets that clinician
 * reopen a session **on that workstation** with a touch of their own key, for
 * sessions.sharedWorkstation.quickReauthMinutes after it (quick-reauth.ts).
 *
 * The workstation is its browser: a random identifier in an httpOnly cookie (path /interaction)
 * set at that sign-in. The passes of every clinician who signed in fully on it are kept under
 * that identifier with the time of their sign-in; quick re-authentications do not renew them
 * (they are one factor), only the next full sign-in there does. The quick ceremony asks for the
 * keys of those clinicians only (security keys keep discoverable credentials behind user
 * verification, so a touch alone needs the credential ids), and the one who touches is the one
 * signed in.
 */
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { networkMatcher } from '../http/networks.ts';
import { readCookie } from '../http/page.ts';
import type { Assurance } from '../assurance/index.ts';
import type { InteractionDeps } from './context.ts';

export const WORKSTATION_COOKIE = 'hc_workstation';
const WORKSTATION_ID = /^[A-Za-z0-9_-]{22}$/;

/** idNat → epoch ms of the full sign-in that opened its window. */
type Passes = Record<string, number>;

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

const windowMs = (deps: Pick<InteractionDeps, 'config'>) => deps.config.sessions.sharedWorkstation.quickReauthMinutes * 60_000;
const passesKey = (deps: Pick<InteractionDeps, 'keyNames'>, workstation: string) => deps.keyNames.workstation(workstation, 'passes');

function workstationOf(req: Request): string | undefined {
  const id = readCookie(req, WORKSTATION_COOKIE);
  return id && WORKSTATION_ID.test(id) ? id : undefined;
}

async function readPasses(deps: InteractionDeps, workstation: string): Promise<Passes> {
  const raw = await deps.store.get(passesKey(deps, workstation));
  return raw ? (JSON.parse(raw) as Passes) : {};
}

/** After a verified sign-in: a full two-factor one on a shared workstation opens (or renews) its clinician's pass there. */
export async function recordWorkstationPass(
  deps: InteractionDeps,
  req: Request,
  res: Response,
  login: { accountId: string; authTime: number; assurance: Assurance },
): Promise<void> {
  if (!login.assurance.amr.includes('mfa') || !onSharedWorkstation(deps, req)) return;
  const workstation = workstationOf(req) ?? randomBytes(16).toString('base64url');
  const now = login.authTime;
  const open = Object.entries(await readPasses(deps, workstation)).filter(([, at]) => now - at <= windowMs(deps));
  const passes: Passes = { ...Object.fromEntries(open), [login.accountId]: now };
  const seconds = Math.ceil(windowMs(deps) / 1000);
  await deps.store.set(passesKey(deps, workstation), JSON.stringify(passes), seconds);
  res.cookie(WORKSTATION_COOKIE, workstation, {
    httpOnly: true,
    sameSite: 'lax',
    secure: deps.config.issuer.startsWith('https://'),
    path: '/interaction',
    maxAge: seconds * 1000,
  });
}

/** The clinicians whose pass on this workstation is still open at `now`. */
export async function openPasses(deps: InteractionDeps, req: Request, now: number): Promise<string[]> {
  const workstation = workstationOf(req);
  if (!workstation) return [];
  return Object.entries(await readPasses(deps, workstation))
    .filter(([, at]) => now - at <= windowMs(deps))
    .map(([idNat]) => idNat);
}
