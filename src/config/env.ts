/**
 * Environment variables the gateway reads, each mapped to one configuration key.
 * This table is the single list: docs and deployment tests read it.
 */
export interface EnvVariable {
  /** Dotted path of the configuration key it sets. */
  key: string;
  /** Comma-separated list turned into an array. */
  list?: boolean;
  /** JSON text (a list of objects, e.g. RATE_LIMIT_NETWORKS). */
  json?: boolean;
  /** Never echo its value in an error message or log line. */
  secret?: boolean;
}

export const ENV_VARIABLES: Readonly<Record<string, EnvVariable>> = {
  NODE_ENV: { key: 'env' },
  ISSUER: { key: 'issuer' },
  PORT: { key: 'http.port' },
  HOST: { key: 'http.host' },
  TRUST_PROXY: { key: 'http.trustProxy' },
  BODY_LIMIT: { key: 'http.bodyLimit' },
  HTTP_REUSE_PORT: { key: 'http.reusePort' },
  HTTP_KEEP_ALIVE_SECONDS: { key: 'http.keepAliveSeconds' },
  REDIS_URL: { key: 'redis.url', secret: true },
  REDIS_PREFIX: { key: 'redis.prefix' },
  REDIS_SENTINELS: { key: 'redis.sentinels' },
  REDIS_SENTINEL_NAME: { key: 'redis.sentinelName' },
  REDIS_CLUSTER_NODES: { key: 'redis.clusterNodes' },
  KEYS_DIR: { key: 'keys.dir' },
  COOKIE_KEYS: { key: 'cookieKeys', list: true, secret: true },
  CLIENTS_FILE: { key: 'clients.file' },
  ASSURANCE_FILE: { key: 'assurance.file' },
  PSC_ISSUER: { key: 'psc.issuer' },
  PSC_DISCOVERY: { key: 'psc.discovery' },
  PSC_CLIENT_ID: { key: 'psc.clientId' },
  PSC_CLIENT_SECRET: { key: 'psc.clientSecret', secret: true },
  PSC_AUTH_METHOD: { key: 'psc.authMethod' },
  PSC_TLS_CERT_FILE: { key: 'psc.tls.certFile' },
  PSC_TLS_KEY_FILE: { key: 'psc.tls.keyFile' },
  PSC_TLS_CA_FILE: { key: 'psc.tls.caFile' },
  PSC_SCOPE: { key: 'psc.scope' },
  PSC_ACR_VALUES: { key: 'psc.acrValues' },
  PSC_TIMEOUT_MS: { key: 'psc.timeoutMs' },
  PSC_FRESHNESS_DAYS: { key: 'psc.freshnessDays' },
  PSC_AUTHORIZATION_ENDPOINT: { key: 'psc.metadata.authorization_endpoint' },
  PSC_TOKEN_ENDPOINT: { key: 'psc.metadata.token_endpoint' },
  PSC_USERINFO_ENDPOINT: { key: 'psc.metadata.userinfo_endpoint' },
  PSC_JWKS_URI: { key: 'psc.metadata.jwks_uri' },
  PSC_END_SESSION_ENDPOINT: { key: 'psc.metadata.end_session_endpoint' },
  SANDBOX: { key: 'sandbox.enabled' },
  SANDBOX_HOST: { key: 'sandbox.host' },
  SANDBOX_PSC_PORT: { key: 'sandbox.pscPort' },
  SANDBOX_DPI_PORT: { key: 'sandbox.dpiPort' },
  SANDBOX_DMP_PORT: { key: 'sandbox.dmpPort' },
  SANDBOX_NATIONAL_PORT: { key: 'sandbox.nationalPort' },
  SANDBOX_PSC_PAIRING_DAYS: { key: 'sandbox.pairingDays' },
  SANDBOX_PSC_URL: { key: 'sandbox.pscUrl' },
  SANDBOX_DPI_URL: { key: 'sandbox.dpiUrl' },
  SANDBOX_DMP_URL: { key: 'sandbox.dmpUrl' },
  SANDBOX_NATIONAL_URL: { key: 'sandbox.nationalUrl' },
  DELEGATION_TENANT_ID: { key: 'delegation.tenantId' },
  WEBAUTHN_RP_NAME: { key: 'webauthn.rpName' },
  WEBAUTHN_TIMEOUT_SECONDS: { key: 'webauthn.timeoutSeconds' },
  WEBAUTHN_REQUIRE_ATTESTATION: { key: 'webauthn.requireAttestation' },
  WEBAUTHN_ESTABLISHMENT_ROOTS_FILE: { key: 'webauthn.establishmentRootsFile' },
  WEBAUTHN_AAGUIDS_FILE: { key: 'webauthn.aaguidsFile' },
  KEY_MAX_AGE_DAYS: { key: 'means.maxKeyAgeDays' },
  KEY_AGE_WARN_DAYS: { key: 'means.warnDays' },
  NOTICES_AT_SIGN_IN: { key: 'means.noticesAtSignIn' },
  SMTP_HOST: { key: 'mail.smtp.host' },
  SMTP_PORT: { key: 'mail.smtp.port' },
  SMTP_SECURE: { key: 'mail.smtp.secure' },
  SMTP_REQUIRE_TLS: { key: 'mail.smtp.requireTls' },
  SMTP_USER: { key: 'mail.smtp.user' },
  SMTP_PASSWORD: { key: 'mail.smtp.password', secret: true },
  SMTP_FROM: { key: 'mail.smtp.from' },
  SESSION_IDLE_MINUTES: { key: 'sessions.idleMinutes' },
  SESSION_ABSOLUTE_MINUTES: { key: 'sessions.absoluteMinutes' },
  SHARED_WORKSTATION_IDLE_MINUTES: { key: 'sessions.sharedWorkstation.idleMinutes' },
  SHARED_WORKSTATION_ABSOLUTE_MINUTES: { key: 'sessions.sharedWorkstation.absoluteMinutes' },
  SHARED_WORKSTATION_NETWORKS: { key: 'sessions.sharedWorkstation.networks', list: true },
  SHARED_WORKSTATION_QUICK_REAUTH_MINUTES: { key: 'sessions.sharedWorkstation.quickReauthMinutes' },
  SESSION_BROWSER_CHANGE: { key: 'sessions.browserChange' },
  SESSION_ADDRESS_CHANGE: { key: 'sessions.addressChange' },
  SESSION_SWEEP_SECONDS: { key: 'sessions.sweepSeconds' },
  RATE_LIMITS: { key: 'limits.enabled' },
  RATE_LIMIT_SIGNIN_PER_IP: { key: 'limits.signinPerIp.points' },
  RATE_LIMIT_SIGNIN_PER_IP_SECONDS: { key: 'limits.signinPerIp.seconds' },
  RATE_LIMIT_KEY_FAILURES_PER_ACCOUNT: { key: 'limits.keyFailuresPerAccount.points' },
  RATE_LIMIT_KEY_FAILURES_PER_ACCOUNT_SECONDS: { key: 'limits.keyFailuresPerAccount.seconds' },
  RATE_LIMIT_TOKEN_PER_CLIENT: { key: 'limits.tokenPerClient.points' },
  RATE_LIMIT_TOKEN_PER_CLIENT_SECONDS: { key: 'limits.tokenPerClient.seconds' },
  RATE_LIMIT_CLIENT_AUTH_FAILURES_PER_IP: { key: 'limits.clientAuthFailuresPerIp.points' },
  RATE_LIMIT_CLIENT_AUTH_FAILURES_PER_IP_SECONDS: { key: 'limits.clientAuthFailuresPerIp.seconds' },
  RATE_LIMIT_NETWORKS: { key: 'limits.networks', json: true },
  PORTAL_FRESH_AUTH_SECONDS: { key: 'portal.freshAuthSeconds' },
  AUDIT_MAC_KEY: { key: 'audit.macKey', secret: true },
  AUDIT_IP: { key: 'audit.ip' },
  AUDIT_RETENTION_DAYS: { key: 'audit.retentionDays' },
  AUDIT_EXPORT_DIR: { key: 'audit.exportDir' },
  AUDIT_LOG_FILE: { key: 'audit.logFile' },
  METRICS_TOKEN: { key: 'metrics.token', secret: true },
  METRICS_ALLOW: { key: 'metrics.allow', list: true },
  EMERGENCY_VALIDITY_HOURS: { key: 'emergency.validityHours' },
  ADMIN_IDNATS: { key: 'admin.idNats', list: true },
  PILOT_STAFF_IDNATS: { key: 'pilot.staffIdNats', list: true },
  PILOT_WRITE_MONTH_KEYS: { key: 'pilot.writeMonthKeys' },
  ACCOUNTS_RECENT_MS: { key: 'accounts.recentMs' },
  SUPPORT_CONTACT: { key: 'support.contact' },
  LOG_LEVEL: { key: 'log.level' },
};

/** Environment variables that are not configuration keys but are read by the launcher (CONFIG_FILE) or the process (INSTANCE_ID: its name in logs and audit events). */
export const LAUNCHER_VARIABLES = ['CONFIG_FILE', 'INSTANCE_ID'] as const;

/** Secret configuration keys (dotted), whose values are never printed. */
export const SECRET_KEYS = new Set(
  Object.values(ENV_VARIABLES)
    .filter((v) => v.secret)
    .map((v) => v.key),
);

/** The environment variable that sets a key, for error messages. */
export function envNameFor(key: string): string | undefined {
  return Object.entries(ENV_VARIABLES).find(([, v]) => v.key === key)?.[0];
}
