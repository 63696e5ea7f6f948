/**
 * Relying parties (config/clients.json, or CLIENTS_FILE): validated with a schema and turned
 * into oidc-provider client metadata. Secrets are read from the environment variable named by
 * `client_secret_env`, so the file itself can be committed or shared without secrets.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, issueProblems, type ConfigProblem } from '../config/index.ts';

const uri = z.url({ protocol: /^https?$/ });

export const clientSchema = z.strictObject({
  client_id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits and . _ : - (1–128)'),
  client_name: z.string().min(1).max(200),
  /** First-party hospital application: no consent screen. */
  first_party: z.boolean().default(false),
  /** After a PSC sign-in without any key: offer to enrol one (default), require it, or never ask. */
  webauthn_enrolment: z.enum(['offered', 'required', 'never']).default('offered'),
  /** After a PSC sign-in with e-CPS, ask for one of the clinician's keys as a second factor. */
  key_after_ecps: z.boolean().default(false),
  /** Lowest level this application accepts, whatever it asks in the request. */
  min_acr: z.enum(['eidas1', 'eidas2', 'eidas3']).optional(),
  /** This application accepts only phishing-resistant authentications. */
  phishing_resistant: z.boolean().default(false),
  /** `shared-workstation`: sessions used by this application get the shorter lifetimes. */
  session_profile: z.enum(['default', 'shared-workstation']).default('default'),
  redirect_uris: z.array(uri).min(1),
  post_logout_redirect_uris: z.array(uri).default([]),
  token_endpoint_auth_method: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']).default('client_secret_basic'),
  /** Environment variable holding the client secret (client_secret_* methods). */
  client_secret_env: z.string().regex(/^[A-Z][A-Z0-9_]*$/).optional(),
  /** The secret itself, when the file is kept as a secret (prefer client_secret_env). */
  client_secret: z.string().min(32).optional(),
  jwks_uri: uri.optional(),
  jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
  grant_types: z.array(z.enum(['authorization_code', 'refresh_token', 'client_credentials'])).default(['authorization_code', 'refresh_token']),
  scope: z.string().default('openid profile scope_all'),
  userinfo_signed_response_alg: z.enum(['ES256', 'RS256']).optional(),
  id_token_signed_response_alg: z.enum(['ES256', 'RS256']).optional(),
  backchannel_logout_uri: uri.optional(),
  backchannel_logout_session_required: z.boolean().optional(),
}).superRefine((c, ctx) => {
  const secretMethod = c.token_endpoint_auth_method.startsWith('client_secret');
  if (secretMethod && !c.client_secret_env && !c.client_secret) {
    ctx.addIssue({ code: 'custom', path: ['client_secret_env'], input: c.client_secret_env, message: `the name of the environment variable holding the secret (required by ${c.token_endpoint_auth_method})` });
  }
  if (c.token_endpoint_auth_method === 'private_key_jwt' && !c.jwks_uri && !c.jwks) {
    ctx.addIssue({ code: 'custom', path: ['jwks_uri'], input: c.jwks_uri, message: 'jwks_uri or jwks (required by private_key_jwt)' });
  }
});

export type ClientRegistration = z.output<typeof clientSchema>;
export type ClientMetadata = Record<string, unknown> & { client_id: string };

/** Reads and validates the clients file; throws ConfigError naming each bad entry. */
export function loadClientsFile(path: string, env: NodeJS.ProcessEnv = process.env): ClientMetadata[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([{ key: 'clients.file', env: 'CLIENTS_FILE', received: JSON.stringify(path), expected: `a readable JSON file (${(err as Error).message})` }]);
  }
  return toClientMetadata(data, env, path);
}

export function toClientMetadata(data: unknown, env: NodeJS.ProcessEnv, source = 'clients'): ClientMetadata[] {
  const parsed = z.array(clientSchema).min(1).safeParse(data, { reportInput: true });
  if (!parsed.success) throw new ConfigError(issueProblems(parsed.error.issues, source));
  const ids = new Set<string>();
  const problems: ConfigProblem[] = [];
  const clients = parsed.data.map((c, i) => {
    if (ids.has(c.client_id)) problems.push({ key: `${source}[${i}].client_id`, received: JSON.stringify(c.client_id), expected: 'a client_id used only once' });
    ids.add(c.client_id);
    const { client_secret_env: secretEnv, first_party, scope, ...rest } = c;
    const secret = c.client_secret ?? (secretEnv ? env[secretEnv] : undefined);
    if (c.token_endpoint_auth_method.startsWith('client_secret') && (!secret || secret.length < 32)) {
      problems.push({ key: `${source}[${i}].client_secret_env`, env: secretEnv, received: secret ? `(secret, ${secret.length} characters)` : '(missing)', expected: `a secret of at least 32 characters in ${secretEnv ?? 'client_secret'}` });
    }
    return {
      ...rest,
      ...(secret ? { client_secret: secret } : {}),
      response_types: ['code'],
      first_party,
      scope,
    } as ClientMetadata;
  });
  if (problems.length) throw new ConfigError(problems);
  return clients;
}

