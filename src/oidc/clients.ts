/**
 * Relying parties (config/clients.json, or CLIENTS_FILE): validated with a schema and turned
 * into oidc-provider client metadata. Secrets are read from the environment variable named by
 * `client_secret_env`, so the file itself can be committed or shared without secrets.
 *
 * Two kinds of client. A sign-in client (authorization_code, refresh_token) asks for the
 * OpenID scopes (openid, profile, scope_all, offline_access). A machine client
 * (`client_credentials` alone: a hospital back end calling a service, no clinician) asks for
 * service scopes only: names the gateway does not define, agreed between the client and the
 * service it calls. Keeping them apart lets oidc-provider's per-client scope check do the
 * right thing on every grant: one client has one `scope` for all its grants, so a mixed
 * client could get a token saying `openid profile` with no user behind it.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, issueProblems, type ConfigProblem } from '../config/index.ts';
import { SCOPES } from './claims-config.ts';
import { fillPlaceholders, type ClientPlaceholders } from './client-placeholders.ts';
import { gatewayClientSchema } from './client-properties.ts';

const uri = z.url({ protocol: /^https?$/ });

/** The scopes about a signed-in clinician; any other registered scope is a service scope. */
const OPENID_SCOPES: ReadonlySet<string> = new Set(SCOPES);
/** RFC 6749 §3.3 scope-token (the syntax oidc-provider accepts in requests). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export function scopeList(scope: string): string[] {
  return [...new Set(scope.split(' ').filter(Boolean))];
}

/** The service scopes a set of clients registers (machine clients only, by the schema below). */
export function serviceScopes(clients: readonly ClientMetadata[]): string[] {
  return [...new Set(clients.flatMap((c) => (typeof c.scope === 'string' ? scopeList(c.scope) : [])).filter((s) => !OPENID_SCOPES.has(s)))];
}

export const clientSchema = z
  .strictObject({
    client_id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits and . _ : - (1–128)'),
    client_name: z.string().min(1).max(200),
    /** The gateway's own properties (client-properties.ts). */
    ...gatewayClientSchema.shape,
    /** Required for a sign-in client; a client_credentials client has none. */
    redirect_uris: z.array(uri).default([]),
    post_logout_redirect_uris: z.array(uri).default([]),
    /** The application's home page: the gateway's error pages link back to it (else to the first post_logout_redirect_uri). */
    client_uri: uri.optional(),
    token_endpoint_auth_method: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']).default('client_secret_basic'),
    /** Environment variable holding the client secret (client_secret_* methods). */
    client_secret_env: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]*$/)
      .optional(),
    /** The secret itself, when the file is kept as a secret (prefer client_secret_env). */
    client_secret: z.string().min(32).optional(),
    jwks_uri: uri.optional(),
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
    /** `client_credentials` stands alone: a machine client is registered under its own client_id. */
    grant_types: z.array(z.enum(['authorization_code', 'refresh_token', 'client_credentials'])).default(['authorization_code', 'refresh_token']),
    /** Sign-in client: OpenID scopes (default below). client_credentials client: its service scopes, required. */
    scope: z.string().default('openid profile scope_all'),
    userinfo_signed_response_alg: z.enum(['ES256', 'RS256']).optional(),
    id_token_signed_response_alg: z.enum(['ES256', 'RS256']).optional(),
    backchannel_logout_uri: uri.optional(),
    backchannel_logout_session_required: z.boolean().optional(),
    /** RFC 9126 §5: authorization requests only through POST /request; /auth without a request_uri is refused. */
    require_pushed_authorization_requests: z.boolean().optional(),
    /** RFC 9449 §5.2: access tokens always DPoP-bound; a token request without a DPoP proof is refused. */
    dpop_bound_access_tokens: z.boolean().optional(),
  })
  .superRefine((c, ctx) => {
    const secretMethod = c.token_endpoint_auth_method.startsWith('client_secret');
    if (secretMethod && !c.client_secret_env && !c.client_secret) {
      ctx.addIssue({
        code: 'custom',
        path: ['client_secret_env'],
        input: c.client_secret_env,
        message: `the name of the environment variable holding the secret (required by ${c.token_endpoint_auth_method})`,
      });
    }
    if (c.token_endpoint_auth_method === 'private_key_jwt' && !c.jwks_uri && !c.jwks) {
      ctx.addIssue({ code: 'custom', path: ['jwks_uri'], input: c.jwks_uri, message: 'jwks_uri or jwks (required by private_key_jwt)' });
    }
    const scopes = scopeList(c.scope);
    const badToken = scopes.find((s) => !SCOPE_TOKEN.test(s));
    if (badToken !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['scope'],
        input: c.scope,
        message: `scope names separated by spaces (printable ASCII without " or \\), got ${JSON.stringify(badToken)}`,
      });
    if (c.grant_types.includes('client_credentials')) {
      if (c.grant_types.length > 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['grant_types'],
          input: c.grant_types,
          message: '["client_credentials"] alone (a machine client; register the application\'s sign-in part under another client_id)',
        });
      }
      if (c.token_endpoint_auth_method === 'none') {
        ctx.addIssue({
          code: 'custom',
          path: ['token_endpoint_auth_method'],
          input: c.token_endpoint_auth_method,
          message: 'a client authentication method (client_credentials is for confidential clients)',
        });
      }
      if (c.require_pushed_authorization_requests) {
        ctx.addIssue({
          code: 'custom',
          path: ['require_pushed_authorization_requests'],
          input: c.require_pushed_authorization_requests,
          message: 'nothing here (a client_credentials client makes no authorization requests to push)',
        });
      }
      const openid = scopes.filter((s) => OPENID_SCOPES.has(s));
      if (openid.length || !scopes.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['scope'],
          input: c.scope,
          message: `one or more service scopes and no ${[...OPENID_SCOPES].join(', ')} (a client_credentials token has no user behind it; the default scope is a sign-in client's)`,
        });
      }
    } else {
      const service = scopes.filter((s) => !OPENID_SCOPES.has(s));
      if (service.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['scope'],
          input: c.scope,
          message: `OpenID scopes only (${[...OPENID_SCOPES].join(', ')}); service scopes such as ${JSON.stringify(service[0])} belong to a client_credentials client`,
        });
      }
      if (c.redirect_uris.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['redirect_uris'], input: c.redirect_uris, message: 'at least one redirect URI (a sign-in client)' });
      }
    }
    if (c.psc_delegation) {
      if (c.grant_types.includes('client_credentials'))
        ctx.addIssue({ code: 'custom', path: ['psc_delegation'], input: true, message: 'false (a client_credentials client signs nobody in)' });
      if (c.token_endpoint_auth_method !== 'private_key_jwt')
        ctx.addIssue({
          code: 'custom',
          path: ['token_endpoint_auth_method'],
          input: c.token_endpoint_auth_method,
          message: '"private_key_jwt" for Pro Santé Connect (psc_delegation): PSC authenticates with its key',
        });
      if (new Set(c.redirect_uris.map((u) => new URL(u).host)).size > 1)
        ctx.addIssue({
          code: 'custom',
          path: ['redirect_uris'],
          input: c.redirect_uris,
          message: 'redirect URIs on one host (psc_delegation: the pairwise subject is computed for that host)',
        });
    }
  });

export type ClientRegistration = z.output<typeof clientSchema>;
export type ClientMetadata = Record<string, unknown> & { client_id: string };

/**
 * Reads and validates the clients file, its "${SANDBOX_…_URL}" placeholders filled in with
 * `placeholders` (none in production: clientPlaceholders); throws ConfigError naming each bad entry.
 */
export function loadClientsFile(path: string, env: NodeJS.ProcessEnv = process.env, placeholders?: ClientPlaceholders): ClientMetadata[] {
  return toClientMetadata(fillPlaceholders(readClientsJson(path), placeholders, path), env, path);
}

function readClientsJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([
      { key: 'clients.file', env: 'CLIENTS_FILE', received: JSON.stringify(path), expected: `a readable JSON file (${(err as Error).message})` },
    ]);
  }
}

/** Reads a clients file as registrations, schema checked, without looking up secrets (admin CLI); `raw` keeps its placeholders. */
export function readRegistrationsFile(path: string, placeholders?: ClientPlaceholders): { raw: unknown[]; registrations: ClientRegistration[] } {
  const data = readClientsJson(path);
  return { raw: data as unknown[], registrations: parseRegistrations(fillPlaceholders(data, placeholders, path), path) };
}

/** Validates a list of registrations with the schema and unique client_ids; throws ConfigError. */
export function parseRegistrations(data: unknown, source = 'clients'): ClientRegistration[] {
  const parsed = z.array(clientSchema).min(1).safeParse(data, { reportInput: true });
  if (!parsed.success) throw new ConfigError(issueProblems(parsed.error.issues, source));
  const ids = new Set<string>();
  const problems: ConfigProblem[] = [];
  parsed.data.forEach((c, i) => {
    if (ids.has(c.client_id))
      problems.push({ key: `${source}[${i}].client_id`, received: JSON.stringify(c.client_id), expected: 'a client_id used only once' });
    ids.add(c.client_id);
  });
  if (problems.length) throw new ConfigError(problems);
  return parsed.data;
}

export function toClientMetadata(data: unknown, env: NodeJS.ProcessEnv, source = 'clients'): ClientMetadata[] {
  const registrations = parseRegistrations(data, source);
  const problems: ConfigProblem[] = [];
  const clients = registrations.map((c, i) => {
    const { client_secret_env: secretEnv, first_party, scope, ...rest } = c;
    const secret = c.client_secret ?? (secretEnv ? env[secretEnv] : undefined);
    if (c.token_endpoint_auth_method.startsWith('client_secret') && (!secret || secret.length < 32)) {
      problems.push({
        key: `${source}[${i}].client_secret_env`,
        env: secretEnv,
        received: secret ? `(secret, ${secret.length} characters)` : '(missing)',
        expected: `a secret of at least 32 characters in ${secretEnv ?? 'client_secret'}`,
      });
    }
    return {
      ...rest,
      ...(secret ? { client_secret: secret } : {}),
      // A machine client has no response type: oidc-provider adds authorization_code to the
      // grant types of any client that has `code`.
      response_types: c.grant_types.includes('client_credentials') ? [] : ['code'],
      // PSC gets an opaque subject of its own (provider.ts pairwiseIdentifier), never the idNat.
      ...(c.psc_delegation ? { subject_type: 'pairwise' } : {}),
      first_party,
      scope,
    } as ClientMetadata;
  });
  if (problems.length) throw new ConfigError(problems);
  return clients;
}
