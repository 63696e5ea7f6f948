/**
 * The one configuration object of the gateway, as a zod schema with safe defaults.
 * Every key is documented in docs/operations.md ("Configuration": its variable, default and
 * meaning; README.md's "Configuration" only points there); environment names are in env.ts.
 */
import { z } from 'zod';
import { peerUrl, publicUrl } from './public-urls.ts';
import { cidr } from './cidr.ts';

const port = z.coerce.number().int().min(0).max(65535);
const url = z.url({ protocol: /^https?$/ });
const seconds = z.coerce.number().int().positive();
/** A budget of `points` requests per `seconds` window (rate-limiter-flexible). */
const rateLimit = (points: number, windowSeconds: number) =>
  z
    .strictObject({
      points: z.coerce.number().int().min(1).max(1_000_000).default(points),
      seconds: z.coerce.number().int().min(1).max(86_400).default(windowSeconds),
    })
    .prefault({});

/**
 * A declared establishment network: the addresses a hospital's wards reach the gateway from
 * (NAT, Citrix/RDS farms, an outbound proxy), where many clinicians share one address. Its
 * sign-in steps are counted against a budget of its own instead of each address's
 * (limits/declared-networks.ts; sizing in docs/operations.md "Abuse limits").
 */
const establishmentNetwork = z.strictObject({
  /** Names the network's budget in audit events and log lines. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, '1–40 letters, digits and _ . - (it names the network in audit events)'),
  /** Its addresses (CIDR, IPv4 or IPv6); the first network that holds an address counts its steps. */
  cidrs: z
    .array(cidr({ ipv4: 8, ipv6: 32, why: "a declared network is the establishment's own addresses" }))
    .min(1)
    .max(64),
  /** Sign-in steps of the whole network per window: 200 clinicians × 6 steps at shift change, + 25 %. */
  points: z.coerce.number().int().min(1).max(1_000_000).default(1500),
  seconds: z.coerce.number().int().min(1).max(86_400).default(300),
  /**
   * Its addresses are the establishment's outbound proxy, which names each workstation in
   * X-Forwarded-For: each workstation it names gets the per-address budget (signinPerIp) of
   * its own; a request it names none for counts against the network's budget.
   */
  forwardedFor: z.boolean().default(false),
});

export const pscMetadataSchema = z.strictObject({
  authorization_endpoint: url,
  token_endpoint: url,
  userinfo_endpoint: url,
  jwks_uri: url,
  end_session_endpoint: url.optional(),
});

export const configSchema = z.strictObject({
  /** development | test | production (NODE_ENV). Production refuses unsafe settings. */
  env: z.enum(['development', 'test', 'production']).default('development'),
  /**
   * Public issuer URL of the gateway; every token and discovery document names it.
   * Default: http://<http.host>:<http.port>, localhost for 0.0.0.0 (public-urls.ts); production requires https.
   */
  issuer: publicUrl.optional(),
  http: z
    .strictObject({
      port: port.default(3000),
      host: z.string().min(1).default('localhost'),
      /** Express "trust proxy" setting: false, true, a hop count or a list of addresses. */
      trustProxy: z.union([z.boolean(), z.coerce.number().int().min(0), z.string().min(1)]).default(false),
      /** Largest accepted request body. */
      bodyLimit: z
        .string()
        .regex(/^\d+(kb|mb)$/)
        .default('32kb'),
      /**
       * Several gateway processes on one host listen on the same port (SO_REUSEPORT, Linux):
       * the kernel spreads connections over them, one process per core, no balancer needed.
       */
      reusePort: z.stringbool().or(z.boolean()).default(false),
      /**
       * Seconds an idle keep-alive connection is kept. Longer than the idle time of the proxy in
       * front (docker/Caddyfile: 55 s), so that the proxy, which sends the next request, is the
       * one that closes it: a request sent on a connection the gateway is closing fails, and a
       * proxy answers 502 to a POST it cannot retry. Node's default is 5 s.
       */
      keepAliveSeconds: z.coerce.number().int().min(1).max(600).default(65),
    })
    .prefault({}),
  redis: z
    .strictObject({
      /** redis:// or rediss:// URL. Unset outside production = in-memory store. */
      url: z
        .string()
        .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
        .optional(),
      /** Every key the gateway writes starts with this prefix. */
      prefix: z
        .string()
        .min(1)
        .max(64)
        .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only (braces are Redis Cluster hash tags)')
        .default('hc:'),
      /** Sentinel mode: comma-separated host:port list. */
      sentinels: z
        .string()
        .regex(/^[^,:\s]+:\d+(,[^,:\s]+:\d+)*$/, 'host:port[,host:port…]')
        .optional(),
      /** Name of the master watched by the sentinels. */
      sentinelName: z.string().min(1).optional(),
      /** Cluster mode: comma-separated host:port seed nodes (keys are hash-tagged). */
      clusterNodes: z
        .string()
        .regex(/^[^,:\s]+:\d+(,[^,:\s]+:\d+)*$/, 'host:port[,host:port…]')
        .optional(),
    })
    .prefault({}),
  keys: z
    .strictObject({
      /** Folder with jwks.json (signing keys) and cookie-keys.json. */
      dir: z.string().min(1).default('keys'),
    })
    .prefault({}),
  /** Cookie signing keys, newest first; default: keys/cookie-keys.json. */
  cookieKeys: z.array(z.string().min(32, 'at least 32 characters')).min(1).optional(),
  clients: z
    .strictObject({
      file: z.string().min(1).default('config/clients.json'),
    })
    .prefault({}),
  assurance: z
    .strictObject({
      /** The assurance policy: each sign-in method's amr, level and phishing resistance (docs/assurance.md). */
      file: z.string().min(1).default('config/assurance.json'),
    })
    .prefault({}),
  psc: z
    .strictObject({
      /** PSC issuer (the Keycloak realm URL). */
      issuer: url.default('http://localhost:3001/auth/realms/esante-wallet'),
      /** wallet = PSC's {issuer}/.well-known/wallet-openid-configuration; standard; manual = psc.metadata. */
      discovery: z.enum(['wallet', 'standard', 'manual']).default('wallet'),
      metadata: pscMetadataSchema.optional(),
      clientId: z.string().min(1).default('hospiconnect-gateway'),
      /** Client secret registered at PSC. Generated for the embedded simulator when unset. */
      clientSecret: z.string().min(16, 'at least 16 characters').optional(),
      /** How the gateway authenticates to PSC's token endpoint: its secret, or its certificate (mutual TLS, RFC 8705). */
      authMethod: z.enum(['client_secret_basic', 'client_secret_post', 'tls_client_auth']).default('client_secret_basic'),
      /** Mutual TLS to PSC: PEM files, read once at start-up (federation/psc-tls-files.ts). */
      tls: z
        .strictObject({
          /** Client certificate PSC knows for the establishment, then any intermediate CA certificates (tls_client_auth). */
          certFile: z.string().min(1).optional(),
          /** Its private key, unencrypted PEM (tls_client_auth). Never logged. */
          keyFile: z.string().min(1).optional(),
          /** CA certificates to trust for PSC's server certificate in addition to Node's roots. */
          caFile: z.string().min(1).optional(),
        })
        .prefault({}),
      scope: z.string().min(1).default('openid scope_all'),
      acrValues: z.string().min(1).default('eidas1'),
      /** Upstream HTTP timeout in milliseconds. */
      timeoutMs: z.coerce.number().int().min(100).max(60000).default(5000),
      /** A key alone is not enough once PSC last vouched for the clinician longer ago than this. */
      freshnessDays: z.coerce.number().int().min(1).max(365).default(30),
      /** Lifetime of the state/nonce/PKCE record of one PSC round trip. */
      stateTtlSeconds: seconds.max(3600).default(600),
    })
    .prefault({}),
  sandbox: z
    .strictObject({
      /** Start the PSC simulator and demo relying parties in-process (never in production). */
      enabled: z.stringbool().or(z.boolean()).optional(),
      /** Address the PSC simulator and the demo applications listen on (0.0.0.0: every interface). */
      host: z.string().min(1).default('localhost'),
      /** Ports they listen on: fixed, since the demo applications' registrations name them. */
      pscPort: port.min(1).default(3001),
      dpiPort: port.min(1).default(3002),
      dmpPort: port.min(1).default(3003),
      /** The demo national service: a relying party of the PSC simulator, reached through delegation. */
      nationalPort: port.min(1).default(3004),
      /** How long the PSC simulator keeps a pairing (local account ↔ CPS identity) before asking again. */
      pairingDays: z.coerce.number().int().min(1).max(3650).default(180),
      /**
       * The URLs people and the gateway reach them at (an origin), when it is not
       * http://<host>:<port> (localhost for a wildcard host): behind a port mapping or a proxy.
       * config/clients.json names the demo applications' ones as ${SANDBOX_DPI_URL}, ${SANDBOX_DMP_URL}.
       */
      pscUrl: peerUrl.optional(),
      dpiUrl: peerUrl.optional(),
      dmpUrl: peerUrl.optional(),
      nationalUrl: peerUrl.optional(),
    })
    .prefault({}),
  ttl: z
    .strictObject({
      accessToken: seconds.default(600),
      authorizationCode: seconds.max(600).default(60),
      idToken: seconds.default(3600),
      refreshToken: seconds.default(14400),
      interaction: seconds.default(1800),
      grant: seconds.default(14400),
    })
    .prefault({}),
  webauthn: z
    .strictObject({
      /** Name authenticators show for this relying party. */
      rpName: z.string().min(1).max(64).default('HospiConnect'),
      /** How long the browser waits for the key or phone during a ceremony. */
      timeoutSeconds: z.coerce.number().int().min(10).max(600).default(120),
      /** Refuse keys that give no attestation statement (the model cannot be known). */
      requireAttestation: z.stringbool().or(z.boolean()).default(false),
      /**
       * PEM file of the establishment's own attestation roots (keys it bought whose model is not in
       * the FIDO Metadata Service): an attestation chaining to one counts as verified.
       */
      establishmentRootsFile: z.string().min(1).optional(),
      /** JSON table of authenticator models by AAGUID: the default name of a new key (it names, never trusts). */
      aaguidsFile: z.string().min(1).default('config/aaguids.json'),
    })
    .prefault({}),
  /** A key's lifecycle (RIE): how long it signs in before PSC must confirm it again, and when the clinician is warned. */
  means: z
    .strictObject({
      /** Days after its enrolment (or last confirmation through PSC) a key stops signing in until a PSC sign-in confirms it. */
      maxKeyAgeDays: z.coerce.number().int().min(30).max(3650).default(1095),
      /** The clinician is warned (in /account, at sign-in) this many days before. */
      warnDays: z.coerce.number().int().min(1).max(180).default(30),
      /** Show the clinician, once at their next sign-in, the changes to their means since the last one (acknowledged). */
      noticesAtSignIn: z.stringbool().or(z.boolean()).default(true),
    })
    .superRefine((means, ctx) => {
      if (means.warnDays >= means.maxKeyAgeDays)
        ctx.addIssue({
          code: 'custom',
          path: ['warnDays'],
          input: means.warnDays,
          message: `fewer days than means.maxKeyAgeDays (${means.maxKeyAgeDays}): a key would be "to confirm" from the day it is enrolled`,
        });
    })
    .prefault({}),
  /** E-mail notices of changes to a clinician's means; off unless mail.smtp.host is set. */
  mail: z
    .strictObject({
      smtp: z
        .strictObject({
          /** The establishment's SMTP relay. Unset: no e-mail (notices are shown at sign-in only). */
          host: z.string().min(1).optional(),
          port: port.min(1).default(587),
          /** TLS from the first byte (port 465); otherwise STARTTLS, required unless requireTls is false. */
          secure: z.stringbool().or(z.boolean()).default(false),
          /** Refuse to send over a connection STARTTLS did not protect (production refuses false). */
          requireTls: z.stringbool().or(z.boolean()).default(true),
          user: z.string().min(1).optional(),
          /** Never logged. */
          password: z.string().min(1).optional(),
          /** Sender address of the notices. */
          from: z.string().min(3).max(200).default('HospiConnect <ne-pas-repondre@localhost>'),
          timeoutSeconds: z.coerce.number().int().min(1).max(120).default(10),
        })
        .prefault({}),
      /** How long a verification code sent to a new address is valid. */
      codeMinutes: z.coerce.number().int().min(1).max(60).default(15),
      /** Verification codes an account may have sent per hour. */
      codesPerHour: z.coerce.number().int().min(1).max(20).default(3),
    })
    .prefault({}),
  sessions: z
    .strictObject({
      /** A session unused for this long ends (relying parties are told by back-channel logout). */
      idleMinutes: z.coerce.number().int().min(1).max(1440).default(30),
      /** A session ends this long after the clinician authenticated, whatever the activity. */
      absoluteMinutes: z.coerce.number().int().min(1).max(1440).default(240),
      /** Shorter lifetimes for shared workstations, chosen per client (session_profile) or by network. */
      sharedWorkstation: z
        .strictObject({
          idleMinutes: z.coerce.number().int().min(1).max(1440).default(10),
          absoluteMinutes: z.coerce.number().int().min(1).max(1440).default(60),
          /** Client networks (CIDR) of shared workstations, e.g. ["10.12.0.0/16"]. */
          networks: z.array(cidr()).default([]),
          /**
           * Quick re-authentication (a touch of the clinician's own key, user presence without
           * verification) on these networks, for this long after a full two-factor sign-in there;
           * 0 switches it off. At most 240 (4 h). See docs/assurance.md "Shared workstations".
           */
          quickReauthMinutes: z.coerce.number().int().min(0).max(240).default(0),
        })
        .superRefine((shared, ctx) => {
          if (shared.quickReauthMinutes > 0 && shared.networks.length === 0) {
            ctx.addIssue({
              code: 'custom',
              path: ['quickReauthMinutes'],
              input: shared.quickReauthMinutes,
              message:
                '0, or shared-workstation networks in sessions.sharedWorkstation.networks (SHARED_WORKSTATION_NETWORKS): quick re-authentication is only for them',
            });
          }
        })
        .prefault({}),
      /**
       * What happens when a session is used from another browser or address than the one it
       * was opened in (oidc/session-context.ts): ignore, audit (record it and go on),
       * reauthenticate (a new sign-in), end (the session ends, then a new sign-in).
       */
      browserChange: z.enum(['ignore', 'audit', 'reauthenticate', 'end']).default('reauthenticate'),
      /** Same for the client address; a move between addresses of declared networks (limits.networks, shared workstations) is never one. */
      addressChange: z.enum(['ignore', 'audit', 'reauthenticate', 'end']).default('audit'),
      /** How often ended sessions are looked for (one instance at a time does it). */
      sweepSeconds: z.coerce.number().int().min(1).max(3600).default(30),
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** Abuse limits on (off only for load tests against a private stack; production refuses off). */
      enabled: z.stringbool().or(z.boolean()).default(true),
      /** Sign-in steps (authorization requests, PSC start and return, key ceremonies) per client address. */
      signinPerIp: rateLimit(120, 60),
      /** Failed key sign-ins per clinician account; past it only the key is refused, PSC stays open. */
      keyFailuresPerAccount: rateLimit(10, 900),
      /** Token endpoint requests per relying party (one whose client did not authenticate is given back). */
      tokenPerClient: rateLimit(6000, 60),
      /** Failed client authentications at token, introspection and revocation per client address (secret guessing). */
      clientAuthFailuresPerIp: rateLimit(30, 300),
      /** Declared establishment networks: budgets of their own for the sign-in steps of many clinicians behind few addresses. */
      networks: z
        .array(establishmentNetwork)
        .max(100)
        .default([])
        .superRefine((networks, ctx) => {
          const seen = new Set<string>();
          networks.forEach((network, i) => {
            if (seen.has(network.name))
              ctx.addIssue({
                code: 'custom',
                path: [i, 'name'],
                input: network.name,
                message: "a name used by one network only (it names the network's budget)",
              });
            seen.add(network.name);
          });
        }),
    })
    .prefault({}),
  portal: z
    .strictObject({
      /** Revoking or adding a key in /account needs an authentication at most this old. */
      freshAuthSeconds: z.coerce.number().int().min(1).max(3600).default(300),
    })
    .prefault({}),
  audit: z
    .strictObject({
      /** Key of the audit chain's HMAC (≥ 32 characters). Generated into keys/ outside production. */
      macKey: z.string().min(32, 'at least 32 characters').optional(),
      /** How client addresses appear in audit events: full, truncated (/24, /48) or a keyed hash. */
      ip: z.enum(['full', 'truncated', 'hashed']).default('truncated'),
      /** Events older than this are exported to exportDir, then removed from Redis. */
      retentionDays: z.coerce.number().int().min(1).max(3650).default(400),
      exportDir: z.string().min(1).default('audit-exports'),
      /** Where the JSON-lines mirror goes (for SIEM shipping): a file path, or stdout when unset. */
      logFile: z.string().min(1).optional(),
    })
    .prefault({}),
  metrics: z
    .strictObject({
      /** Bearer token Prometheus sends to /metrics (≥ 32 characters). */
      token: z.string().min(32, 'at least 32 characters').optional(),
      /** Client networks (CIDR) allowed on /metrics without the token. */
      allow: z.array(cidr()).default(['127.0.0.1/32', '::1/128']),
    })
    .prefault({}),
  emergency: z
    .strictObject({
      /**
       * How long an emergency access code (accès de secours, admin CLI emergency-code or
       * /admin/emergency) stays valid if unused: at most 24 h; an establishment may shorten it.
       */
      validityHours: z.coerce.number().int().min(1).max(24).default(24),
    })
    .prefault({}),
  admin: z
    .strictObject({
      /** National identifiers of the IAM team allowed on /admin (signed in at eidas2 or above). */
      idNats: z.array(z.string().regex(/^[A-Za-z0-9]{1,40}$/)).default([]),
    })
    .prefault({}),
  accounts: z
    .strictObject({
      /**
       * How long (ms) an instance uses a clinician's account it read or wrote without reading it
       * again (accounts/recent-accounts.ts): a PSC sign-in on another instance is seen here at most
       * that late. 0: read at every request.
       */
      recentMs: z.coerce.number().int().min(0).max(60_000).default(2_000),
    })
    .prefault({}),
  pilot: z
    .strictObject({
      /** National identifiers of the pilot team allowed on /pilot (signed in at eidas2 or above). */
      staffIdNats: z.array(z.string().regex(/^[A-Za-z0-9]{1,40}$/)).default([]),
      /**
       * Also write the month hashes and the ISO-week and month sets of active clinicians that
       * the releases before the day-only layout read, so that rolling back to one of them shows
       * the same figures, and a day's counters by name only (docs/operations.md §Upgrades).
       * Costs a sign-in 15 to 17 Redis commands.
       */
      writeMonthKeys: z.stringbool().or(z.boolean()).default(false),
    })
    .prefault({}),
  delegation: z
    .strictObject({
      /**
       * The establishment's identifier sent to PSC as `tid` in the ID tokens of the delegation
       * client (PSC "sans couture"): a constant agreed with the ANS at registration, e.g. the
       * FINESS juridique. Required when a client of the clients file has "psc_delegation": true.
       */
      tenantId: z
        .string()
        .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits and . _ : - (1–128), e.g. "FINESS-750712184"')
        .optional(),
    })
    .prefault({}),
  support: z
    .strictObject({
      /** Who a clinician should call, shown on pages that say "contact support" (e.g. a blocked key). */
      contact: z.string().min(1).max(200).default('le support informatique de votre établissement'),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
});

export type ConfigInput = z.input<typeof configSchema>;
/** After loading: the sandbox switch decided and every public URL known (load.ts). */
export type Config = z.output<typeof configSchema> & {
  issuer: string;
  sandbox: { enabled: boolean; pscUrl: string; dpiUrl: string; dmpUrl: string; nationalUrl: string };
};
export type PscMetadata = z.output<typeof pscMetadataSchema>;
