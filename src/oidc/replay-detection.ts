/**
 * oneTimeJtis: oidc-provider's replay detection — the jti of a DPoP proof (RFC 9449 §11.1) and
 * of a private_key_jwt client assertion (RFC 7523 §3) may be used once — made atomic across
 * instances. oidc-provider's ReplayDetection.unique keeps the jti through the adapter (Redis,
 * shared by every instance) but reads, then writes: the same proof sent to two instances at
 * the same moment passed on both. Here one SET NX decides; the one that loses gets oidc-provider's
 * own refusal (invalid_dpop_proof / invalid_token / invalid_client, "Replay detected").
 */
import { createHash } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { KeyNames } from '../store/key-names.ts';
import type { Store } from '../store/store.ts';

type UniqueFn = (iss: string, jti: string, exp: number) => Promise<boolean>;

/**
 * Replaces `provider.ReplayDetection.unique` (called by oidc-provider as a static method for each
 * DPoP proof and client assertion). The record is kept until `exp` (epoch seconds), at least 1 s.
 */
export function oneTimeJtis(provider: Provider, store: Store, keyNames: KeyNames, clock: () => number = Date.now): void {
  const replayDetection = (provider as unknown as { ReplayDetection: { unique: UniqueFn } }).ReplayDetection;
  replayDetection.unique = async (iss, jti, exp) => {
    // The same id as oidc-provider's model (lib/models/replay_detection.js), under a key of its
    // own: a plain string, where the adapter's records are hashes that its find() would misread.
    const id = createHash('sha256').update(`${iss}${jti}`).digest('base64url');
    const ttl = Math.max(1, Math.ceil(exp - clock() / 1000));
    return store.setIfAbsent(keyNames.jti(id), '1', ttl);
  };
}
