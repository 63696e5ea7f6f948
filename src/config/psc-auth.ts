/**
 * How the gateway authenticates to PSC, checked in every environment: tls_client_auth needs
 * a certificate file and its key file; with a client secret method those two mean nothing.
 */
import type { Config } from './schema.ts';
import type { ConfigProblem } from './errors.ts';

const CLIENT_FILES = [
  {
    key: 'psc.tls.certFile',
    env: 'PSC_TLS_CERT_FILE',
    name: 'certFile',
    expected: 'the PEM file of the client certificate PSC knows for this establishment, because PSC_AUTH_METHOD is tls_client_auth',
  },
  {
    key: 'psc.tls.keyFile',
    env: 'PSC_TLS_KEY_FILE',
    name: 'keyFile',
    expected: "the PEM file of that certificate's private key (unencrypted), because PSC_AUTH_METHOD is tls_client_auth",
  },
] as const;

export function pscAuthProblems(psc: Config['psc']): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const file of CLIENT_FILES) {
    const value = psc.tls[file.name];
    if (psc.authMethod === 'tls_client_auth' && !value) {
      problems.push({ key: file.key, env: file.env, received: '(missing)', expected: file.expected });
    }
    if (psc.authMethod !== 'tls_client_auth' && value) {
      problems.push({
        key: file.key,
        env: file.env,
        received: JSON.stringify(value),
        expected: `no value, since PSC_AUTH_METHOD is ${psc.authMethod} (the client certificate is only presented with PSC_AUTH_METHOD=tls_client_auth)`,
      });
    }
  }
  return problems;
}
