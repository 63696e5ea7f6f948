/**
 * The gateway's own client metadata (beyond OpenID's), read by the interaction routes.
 * clients.json is validated by its schema first (clients.ts); this keeps oidc-provider's
 * copy consistent and gives the routes one typed way to read them.
 */
import type { Client } from 'oidc-provider';

export const GATEWAY_CLIENT_PROPERTIES = ['first_party', 'webauthn_enrolment', 'key_after_ecps', 'min_acr', 'phishing_resistant', 'session_profile', 'psc_delegation'] as const;

export interface GatewayClientProperties {
  first_party: boolean;
  webauthn_enrolment: 'offered' | 'required' | 'never';
  key_after_ecps: boolean;
  min_acr: 'eidas1' | 'eidas2' | 'eidas3' | undefined;
  phishing_resistant: boolean;
  session_profile: 'default' | 'shared-workstation';
  /** Pro Santé Connect delegating its sign-ins to the gateway (clients.ts). */
  psc_delegation: boolean;
}

const CHECKS: Record<(typeof GATEWAY_CLIENT_PROPERTIES)[number], (v: unknown) => boolean> = {
  first_party: (v) => typeof v === 'boolean',
  webauthn_enrolment: (v) => v === 'offered' || v === 'required' || v === 'never',
  key_after_ecps: (v) => typeof v === 'boolean',
  min_acr: (v) => v === 'eidas1' || v === 'eidas2' || v === 'eidas3',
  phishing_resistant: (v) => typeof v === 'boolean',
  session_profile: (v) => v === 'default' || v === 'shared-workstation',
  psc_delegation: (v) => typeof v === 'boolean',
};

export function validateGatewayClientProperty(_ctx: unknown, key: string, value: unknown): void {
  const check = CHECKS[key as keyof typeof CHECKS];
  if (check && value !== undefined && !check(value)) throw new Error(`${key}: unexpected value ${JSON.stringify(value)}`);
}

/** The gateway's properties of a client, with their defaults. */
export function gatewayProperties(client: Client | undefined): GatewayClientProperties {
  const c = (client ?? {}) as Partial<GatewayClientProperties>;
  return {
    first_party: c.first_party === true,
    webauthn_enrolment: c.webauthn_enrolment ?? 'offered',
    key_after_ecps: c.key_after_ecps === true,
    min_acr: c.min_acr,
    phishing_resistant: c.phishing_resistant === true,
    session_profile: c.session_profile ?? 'default',
    psc_delegation: c.psc_delegation === true,
  };
}
