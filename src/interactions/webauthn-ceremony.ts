/**
 * Shared plumbing of the WebAuthn endpoints of an interaction: the dependencies the
 * webauthn module needs and the store key of this interaction's challenge.
 */
import type { InteractionDeps } from './context.ts';
import type { WebAuthnDeps } from '../webauthn/index.ts';

/** The webauthn module's dependencies, from the interaction or portal dependencies. */
export function webauthnDeps(deps: Pick<InteractionDeps, 'store' | 'keys' | 'webauthn' | 'credentials' | 'aaguids'>): WebAuthnDeps {
  return { store: deps.store, keys: deps.keys, settings: deps.webauthn, credentials: deps.credentials, aaguids: deps.aaguids };
}

/** Where the challenge of a ceremony of this interaction is kept (same Cluster slot as the interaction). */
export function ceremonyKey(deps: InteractionDeps, uid: string, ceremony: 'webauthn-auth' | 'webauthn-reg' | 'webauthn-2fa' | 'webauthn-quick'): string {
  return deps.keys.interaction(uid, ceremony);
}
