/**
 * Shared plumbing of the WebAuthn endpoints of an interaction and of /account: the
 * dependencies the webauthn module needs (the challenge's key is the caller's:
 * interactions/journey-state.ts ceremonyKey, portal's own).
 */
import type { Store } from '../store/store.ts';
import type { Keys } from '../store/keys.ts';
import type { AaguidTable, CredentialRepository, WebAuthnDeps } from '../webauthn/index.ts';
import type { WebAuthnSettings } from '../webauthn/types.ts';

/** The webauthn module's dependencies, from the interaction or portal dependencies. */
export function webauthnDeps(deps: { store: Store; keys: Keys; webauthn: WebAuthnSettings; credentials: CredentialRepository; aaguids: AaguidTable }): WebAuthnDeps {
  return { store: deps.store, keys: deps.keys, settings: deps.webauthn, credentials: deps.credentials, aaguids: deps.aaguids };
}
