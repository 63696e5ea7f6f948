/**
 * What the /account routes share, and `requireSession`, which sends a visitor without a
 * gateway session (or, for sensitive actions, without a recent authentication) to sign in.
 */
import type { Request, Response } from 'express';
import type Provider from 'oidc-provider';
import type { Config } from '../config/index.ts';
import type { AccountRepository, ActivityLog } from '../accounts/index.ts';
import type { CredentialRepository, WebAuthnDeps } from '../webauthn/index.ts';
import type { Store } from '../store/store.ts';
import type { KeyNames } from '../store/key-names.ts';
import type { Views } from '../http/views.ts';
import type { RequestAudit } from '../http/audit.ts';
import type { AssuranceCheckDeps } from '../oidc/assurance-check.ts';
import type { AssurancePolicy } from '../assurance/index.ts';
import type { MeansNotices } from '../means/index.ts';
import { isFresh, portalSession, type PortalSession } from './session.ts';

export interface PortalDeps {
  config: Config;
  provider: Provider;
  accounts: AccountRepository;
  credentials: CredentialRepository;
  /** The assurance policy (what a key is worth under its binding). */
  policy: AssurancePolicy;
  activity: ActivityLog;
  store: Store;
  keyNames: KeyNames;
  views: Views;
  /** What the webauthn module's ceremonies need (webauthn/deps.ts, built once at start-up), over the same repository as `credentials`. */
  webauthn: WebAuthnDeps;
  /** Newest cookie key, for CSRF tokens. */
  csrfSecret: string;
  /** The gateway's session checks (lifetimes, browser or address change): an ended session does not open /account. */
  sessionChecks: AssuranceCheckDeps;
  audit: RequestAudit;
  /** Notices of changes to the clinician's means, and the address they are e-mailed to. */
  notices: MeansNotices;
}

/** The session, or undefined after redirecting to sign-in (fresh = within five minutes). */
export async function requireSession(
  deps: PortalDeps,
  req: Request,
  res: Response,
  options: { fresh?: boolean; returnTo?: string } = {},
): Promise<PortalSession | undefined> {
  const session = await portalSession(deps.provider, req, res, deps.sessionChecks);
  if (session && (!options.fresh || isFresh(session, deps.config.portal.freshAuthSeconds))) return session;
  const target = new URLSearchParams({ return: options.returnTo ?? '/account' });
  if (options.fresh) target.set('fresh', '1');
  res.redirect(303, `/account/login?${target.toString()}`);
  return undefined;
}

/** Only paths of the portal and the admin pages are accepted as a return address. */
export function safeReturn(value: unknown): string {
  return typeof value === 'string' &&
    /^\/(account(\/keys\/[A-Za-z0-9_-]{1,1400}\/(raise|revoke))?|admin\/(audit|emergency)|pilot(\/report|\/rie)?)(\?[A-Za-z0-9=&_%.:-]*)?$/.test(value)
    ? value
    : '/account';
}
