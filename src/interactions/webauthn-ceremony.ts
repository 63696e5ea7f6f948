/**
 * Shared plumbing of the WebAuthn endpoints of an interaction: the dependencies the
 * webauthn module needs (the challenge's key: journey-state.ts ceremonyKey).
 */
import type { InteractionDeps } from './context.ts';
import type { WebAuthnDeps } from '../webauthn/index.ts';

/** The webauthn module's dependencies, from the interaction or portal dependencies. */
export function webauthnDeps(deps: Pick<InteractionDeps, 'store' | 'keys' | 'webauthn' | 'credentials' | 'aaguids'>): WebAuthnDeps {
  return { store: deps.store, keys: deps.keys, settings: deps.webauthn, credentials: deps.credentials, aaguids: deps.aaguids };
}
