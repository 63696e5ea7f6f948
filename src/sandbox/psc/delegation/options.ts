/**
 * The simulator's delegation to an establishment's identity provider ("PSC sans couture"):
 * PSC, as a Keycloak broker, is a client of the establishment's IdP (the gateway), chosen on
 * the login page or with `kc_idp_hint=<alias>`. reference/psc.md, "Delegation".
 */
import type { ClientKey } from '../../rp/client-key.ts';

export interface PscDelegationOptions {
  /** Keycloak's identity provider alias: the `kc_idp_hint` value and the broker paths' segment. */
  alias: string;
  /** Name of the establishment on PSC's pages. */
  label: string;
  /** The establishment IdP's issuer (the gateway). */
  issuer: string;
  /** PSC's client_id at the establishment's IdP. */
  clientId: string;
  /** PSC's key for private_key_jwt (its public half at `<issuer>/broker/<alias>/jwks`). */
  key: ClientKey;
  /** How long a pairing (local account ↔ CPS identity) lasts, in seconds (default 180 days). */
  pairingLifetimeSeconds?: number;
  /** The clock of pairing lifetimes (tests move it). */
  clock?: () => number;
}

/** Default pairing lifetime: the ANS page speaks of a lifetime without a published figure (assumption). */
export const DEFAULT_PAIRING_LIFETIME_SECONDS = 180 * 86_400;

/** amr values (RFC 8176) the simulator accepts from the establishment; `mfa` must be one of them. */
export const ACCEPTED_AMR: ReadonlySet<string> = new Set(['hwk', 'swk', 'sc', 'pin', 'fpt', 'face', 'iris', 'user', 'mfa', 'pop']);

/** PSC's `authMode` after a delegated sign-in. UNCONFIRMED (no public example): change it here only. */
export const AUTH_MODE_DELEGATION = 'DELEGATION';

/** Broker paths under the issuer, as Keycloak names them. */
export const brokerPaths = (alias: string) => ({
  endpoint: `/broker/${alias}/endpoint`,
  jwks: `/broker/${alias}/jwks`,
});
