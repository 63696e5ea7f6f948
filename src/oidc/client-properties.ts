/**
 * The gateway's own client metadata (beyond OpenID's): their part of the clients.json schema
 * (clients.ts adds it to the OpenID fields), and from that one schema the list of properties
 * oidc-provider keeps, its validator of them and the routes' typed way to read them.
 */
import type { Client } from 'oidc-provider';
import { z } from 'zod';
import { LEVELS } from '../assurance/levels.ts';

export const gatewayClientSchema = z.object({
  /** First-party hospital application: no consent screen. */
  first_party: z.boolean().default(false),
  /** After a PSC sign-in without any key: offer to enrol one (default), require it, or never ask. */
  webauthn_enrolment: z.enum(['offered', 'required', 'never']).default('offered'),
  /** After a PSC sign-in with e-CPS, ask for one of the clinician's keys as a second factor. */
  key_after_ecps: z.boolean().default(false),
  /**
   * Pro Santé Connect delegating its sign-ins to the gateway ("PSC sans couture"): only the
   * policy's delegation means (a key, never PSC itself) answer it; its ID tokens carry a
   * pairwise `sub`, `oid` (the clinician's local identifier) and `tid` (delegation.tenantId).
   */
  psc_delegation: z.boolean().default(false),
  /** Lowest level this application accepts, whatever it asks in the request. */
  min_acr: z.enum(LEVELS).optional(),
  /** This application accepts only phishing-resistant authentications. */
  phishing_resistant: z.boolean().default(false),
  /** `shared-workstation`: sessions used by this application get the shorter lifetimes. */
  session_profile: z.enum(['default', 'shared-workstation']).default('default'),
});

/** A client's gateway properties, defaults filled in. */
export type GatewayClientProperties = z.output<typeof gatewayClientSchema>;
type GatewayClientProperty = keyof GatewayClientProperties;

export const GATEWAY_CLIENT_PROPERTIES = Object.keys(gatewayClientSchema.shape) as GatewayClientProperty[];

function isGatewayClientProperty(key: string): key is GatewayClientProperty {
  return Object.hasOwn(gatewayClientSchema.shape, key);
}

/** oidc-provider's extraClientMetadata.validator: each property as its schema says (absent is fine: a default). */
export function validateGatewayClientProperty(_ctx: unknown, key: string, value: unknown): void {
  if (isGatewayClientProperty(key) && !gatewayClientSchema.shape[key].safeParse(value).success) {
    throw new Error(`${key}: unexpected value ${JSON.stringify(value)}`);
  }
}

/** The properties read from a client's metadata, the schema's defaults filled in, frozen (every key present). */
function readProperties(metadata: Partial<Record<GatewayClientProperty, unknown>>): Readonly<GatewayClientProperties> {
  return Object.freeze(gatewayClientSchema.parse(Object.fromEntries(GATEWAY_CLIENT_PROPERTIES.map((key) => [key, metadata[key]]))));
}

/** What a client without any of the properties (or no client) gets. */
const DEFAULTS = readProperties({});

/** Each client's properties, read once: the clients are loaded at start-up and never change. */
const readByClient = new WeakMap<object, Readonly<GatewayClientProperties>>();

/**
 * The gateway's properties of a client, with the schema's defaults (also for no client).
 * oidc-provider has validated each registered value (validateGatewayClientProperty). Read on
 * every authorization and session check, so parsed once per client and shared (frozen).
 */
export function gatewayProperties(client: Client | undefined): Readonly<GatewayClientProperties> {
  if (!client) return DEFAULTS;
  let properties = readByClient.get(client);
  if (!properties) {
    properties = readProperties(client as unknown as Partial<Record<GatewayClientProperty, unknown>>);
    readByClient.set(client, properties);
  }
  return properties;
}
