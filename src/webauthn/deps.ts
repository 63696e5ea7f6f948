/**
 * What the ceremony functions need, built once at start-up and passed to each call:
 *
 * ```ts
 * const webauthn = createWebAuthnDeps({
 *   store, keyNames: createKeyNames(config.redis.prefix),
 *   settings: webauthnSettingsFor(config.issuer),
 *   aaguids: loadAaguidsFile(config.webauthn),
 * });
 * const options = await createAuthenticationOptions(webauthn, { ceremonyKey: keyNames.interaction(uid, 'webauthn-auth') });
 * ```
 */
import type { KeyNames } from '../store/key-names.ts';
import type { Store } from '../store/store.ts';
import type { AaguidTable } from './aaguid.ts';
import { createCredentialRepository, type CredentialRepository } from './credential-repository.ts';
import type { WebAuthnSettings } from './types.ts';

export interface WebAuthnDeps {
  /** Where challenges (ceremony state) live; the same store as the credentials. */
  store: Store;
  /** Key naming (the ceremony key itself is always given by the caller). */
  keyNames: KeyNames;
  /** RP ID, RP name, accepted origins, timeout, challenge lifetime. */
  settings: WebAuthnSettings;
  /** Credential storage. */
  credentials: CredentialRepository;
  /** AAGUID → model table; without it new keys are named after their kind. */
  aaguids?: AaguidTable | undefined;
}

export interface CreateWebAuthnDepsOptions {
  store: Store;
  keyNames: KeyNames;
  settings: WebAuthnSettings;
  aaguids?: AaguidTable | undefined;
}

/** WebAuthnDeps with a credential repository over the same store and keys. */
export function createWebAuthnDeps(options: CreateWebAuthnDepsOptions): WebAuthnDeps {
  return { ...options, credentials: createCredentialRepository(options.store, options.keyNames) };
}
