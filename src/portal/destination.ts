/**
 * Which of the gateway's own pages a portal sign-in leads to, so that its sign-in page can say
 * so: the pilot dashboard (/pilot…), the emergency access codes (/admin/emergency), the audit
 * trail (other /admin… pages) or the clinician's account
 * (/account…, and anything else the portal returns to).
 */
import type { PortalDeps } from './context.ts';
import { portalLoginReturn } from './login.ts';

export type PortalDestination = 'account' | 'pilot' | 'admin' | 'emergency';

export function destinationOf(returnTo: string | undefined): PortalDestination {
  if (returnTo?.startsWith('/pilot')) return 'pilot';
  if (returnTo?.startsWith('/admin/emergency')) return 'emergency';
  if (returnTo?.startsWith('/admin')) return 'admin';
  return 'account';
}

/** The destination of the portal sign-in whose authorization request carried `state`. */
export async function portalSignInDestination(deps: Pick<PortalDeps, 'store' | 'keyNames'>, state: unknown): Promise<PortalDestination> {
  return destinationOf(await portalLoginReturn(deps, state));
}
