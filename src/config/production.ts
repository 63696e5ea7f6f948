/**
 * What NODE_ENV=production refuses: the in-memory store, the sandbox peers, an http
 * issuer, no trusted reverse proxy, abuse limits off, a PSC issuer on the simulator and
 * missing secrets (PSC's client secret only with a client_secret_* method; tls_client_auth's
 * certificate and key are required in every environment, psc-auth.ts). Returns every problem.
 */
import type { Config } from './schema.ts';
import type { ConfigProblem } from './errors.ts';
import { envNameFor } from './env.ts';
import { describeValue } from './problem-text.ts';

/** The variable that sets a key, from env.ts's table: a renamed variable is renamed here too (the key itself should one have none). */
const variable = (key: string): string => envNameFor(key) ?? key;

export function productionProblems(config: Config): ConfigProblem[] {
  if (config.env !== 'production') return [];
  const problems: ConfigProblem[] = [];
  const refuse = (key: string, value: unknown, expected: string) => {
    const env = envNameFor(key);
    problems.push({ key, ...(env ? { env } : {}), received: describeValue(key, value), expected });
  };

  if (!config.redis.url && !config.redis.sentinels && !config.redis.clusterNodes) {
    refuse(
      'redis.url',
      undefined,
      `a Redis URL (or ${variable('redis.sentinels')} / ${variable('redis.clusterNodes')}): production never uses the in-memory store`,
    );
  }
  if (config.sandbox.enabled) {
    refuse('sandbox.enabled', true, 'false: the PSC simulator and demo apps never run in production');
  }
  if (!config.issuer.startsWith('https://')) {
    refuse('issuer', config.issuer, 'an https:// URL in production');
  }
  if (!config.psc.issuer.startsWith('https://') || /\/\/(localhost|127\.)/.test(config.psc.issuer)) {
    refuse('psc.issuer', config.psc.issuer, 'the real PSC issuer over https (e.g. https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet)');
  }
  // With tls_client_auth the certificate authenticates the gateway: psc-auth.ts requires its files.
  if (config.psc.authMethod !== 'tls_client_auth' && !config.psc.clientSecret) {
    refuse(
      'psc.clientSecret',
      undefined,
      `the client secret PSC issued to this establishment (${variable('psc.authMethod')} is ${config.psc.authMethod}; with tls_client_auth the certificate replaces it)`,
    );
  }
  if (!config.audit.macKey) {
    refuse('audit.macKey', undefined, "the key of the audit trail's MAC (at least 32 characters), kept outside Redis");
  }
  if (config.http.trustProxy === false) {
    refuse(
      'http.trustProxy',
      false,
      'the TLS-terminating reverse proxy in front of the gateway (e.g. "loopback", "10.0.0.5" or a hop count): the gateway speaks plain HTTP, and without it cookies are not marked Secure and every client has the proxy\'s address (one abuse-limit budget for all)',
    );
  }
  if (!config.limits.enabled) {
    refuse('limits.enabled', false, 'true: abuse limits stay on in production (raise the budgets instead)');
  }
  if (config.mail.smtp.host && !config.mail.smtp.secure && !config.mail.smtp.requireTls) {
    refuse(
      'mail.smtp.requireTls',
      false,
      `true (or ${variable('mail.smtp.secure')}=true): verification codes and notices never cross the network in clear in production`,
    );
  }
  if (config.psc.metadata) {
    for (const [name, value] of Object.entries(config.psc.metadata)) {
      if (value && !value.startsWith('https://')) refuse(`psc.metadata.${name}`, value, 'an https:// URL in production');
    }
  }
  return problems;
}
