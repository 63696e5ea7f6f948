/**
 * The relying parties the bench registers, the same on the gateway and on the baseline: one
 * hospital application (authorization code + refresh tokens, client_secret_basic) and one
 * machine-to-machine client (client_credentials). Secrets are made per run.
 */
import { writeFileSync } from 'node:fs';

export const BENCH_CLIENT_ID = 'bench-dpi';
export const BENCH_M2M_CLIENT_ID = 'bench-m2m';
/** Never requested: the bench reads the code from the redirect's Location header. */
export const BENCH_REDIRECT_URI = 'http://127.0.0.1:9/callback';
export const BENCH_SCOPE = 'openid profile scope_all';
/** A service scope: what a machine client asks for (never an OpenID scope, see src/oidc/clients.ts). */
export const BENCH_M2M_SCOPE = 'service.read';
const SECRET_ENV = 'BENCH_CLIENT_SECRET';

/** The gateway's clients file (config/clients.json format); the secret comes from BENCH_CLIENT_SECRET. */
export function writeGatewayClients(path: string): void {
  const clients = [
    {
      client_id: BENCH_CLIENT_ID,
      client_name: 'DPI du banc de mesure',
      first_party: true,
      redirect_uris: [BENCH_REDIRECT_URI],
      token_endpoint_auth_method: 'client_secret_basic',
      client_secret_env: SECRET_ENV,
      grant_types: ['authorization_code', 'refresh_token'],
      scope: BENCH_SCOPE,
      // A clinician who signed in with PSC is asked once whether to enrol a key: the bench
      // enrols one, which the passwordless scenario then uses.
      webauthn_enrolment: 'offered',
    },
    {
      client_id: BENCH_M2M_CLIENT_ID,
      client_name: 'Service du banc de mesure',
      token_endpoint_auth_method: 'client_secret_basic',
      client_secret_env: SECRET_ENV,
      grant_types: ['client_credentials'],
      scope: BENCH_M2M_SCOPE,
    },
  ];
  writeFileSync(path, `${JSON.stringify(clients, null, 2)}\n`);
}

/** Where the baseline keeps an account's claims (a hash whose field `claims` holds them as JSON). */
export function baselineAccountKey(prefix: string, id: string): string {
  return `${prefix}baseline-account:${id}`;
}
