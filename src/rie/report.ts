/**
 * The RIE conformity report: each requirement the gateway covers, checked against the running
 * configuration, the registered applications and the pilot's aggregates (src/pilot/, the same
 * figures as /pilot), plus what the establishment must attest itself. Pure: the CLI
 * (cli.ts) and the staff page (routes.ts) give it what they read and render its rows with the
 * locale's words (`rie.req.<id>`, `rie.value.<id>`).
 */
import { levelsFrom, SUBSTANTIAL } from '../assurance/levels.ts';
import type { Config } from '../config/index.ts';
import type { ClientMetadata } from '../oidc/index.ts';
import type { PilotFigures } from '../pilot/index.ts';

/** Where a requirement comes from (docs/assurance.md "RIE conformity report" cites each). */
export type RieSource = 'rie-2022' | 'rie-v2-draft' | 'ans-faq' | 'gateway';

export interface RieCheck {
  id: string;
  source: RieSource;
  /** yes / no: checked here; attest: the establishment states it (the figure is context). */
  status: 'yes' | 'no' | 'attest';
  /** Parameters of the value's words (numbers, names). */
  params: Record<string, string | number>;
}

export interface RieReport {
  generatedAt: string;
  range: PilotFigures['range'];
  checks: RieCheck[];
  /** What the establishment must attest itself (ids of `rie.attest.<id>`). */
  attest: string[];
  /** Checked requirements not met. */
  unmet: number;
}

export interface RieReportInput {
  config: Config;
  /** The registered applications (CLIENTS_FILE), without the gateway's own portal. */
  clients: readonly ClientMetadata[];
  figures: PilotFigures;
  now: number;
}

export const RIE_IDLE_MAX_MINUTES = 30;
export const RIE_SESSION_MAX_MINUTES = 240;
export const RIE_MEANS_MAX_DAYS = 3 * 365;
export const RIE_EMERGENCY_MAX_HOURS = 24;
const LEVELS_AT_LEAST_SUBSTANTIAL: ReadonlySet<string> = new Set(levelsFrom(SUBSTANTIAL));

export const RIE_ATTESTATIONS = [
  'enrolment-identity',
  'means-homologation',
  'reauth-justified',
  'emergency-access',
  'workstations',
  'psc-connection',
  'store-backup',
  'mail-relay',
] as const;

const yesNo = (ok: boolean): 'yes' | 'no' => (ok ? 'yes' : 'no');

export function rieReport(input: RieReportInput): RieReport {
  const { config, figures } = input;
  const s = config.sessions;
  const weak = input.clients.filter((c) => !LEVELS_AT_LEAST_SUBSTANTIAL.has(String((c as { min_acr?: unknown }).min_acr ?? '')));
  const belowSubstantial = figures.signIns.total - figures.signIns.atLeastEidas2.count;
  const longestAbsolute = Math.max(s.absoluteMinutes, s.sharedWorkstation.absoluteMinutes);
  const longestIdle = Math.max(s.idleMinutes, s.sharedWorkstation.idleMinutes);
  const checks: RieCheck[] = [
    {
      id: 'client-minimum',
      source: 'rie-2022',
      status: yesNo(weak.length === 0),
      params: { count: weak.length, names: weak.map((c) => c.client_id).join(', ') || '—' },
    },
    {
      id: 'sign-ins-two-factors',
      source: 'rie-2022',
      status: yesNo(belowSubstantial === 0),
      params: { count: belowSubstantial, total: figures.signIns.total },
    },
    { id: 'psc-accepted', source: 'rie-2022', status: yesNo(!config.sandbox.enabled), params: { issuer: config.psc.issuer } },
    {
      id: 'idle-limit',
      source: 'rie-v2-draft',
      status: yesNo(longestIdle <= RIE_IDLE_MAX_MINUTES),
      params: { idle: s.idleMinutes, shared: s.sharedWorkstation.idleMinutes },
    },
    {
      id: 'session-limit',
      source: 'rie-v2-draft',
      status: yesNo(longestAbsolute <= RIE_SESSION_MAX_MINUTES),
      params: { absolute: s.absoluteMinutes, shared: s.sharedWorkstation.absoluteMinutes },
    },
    {
      id: 'sessions-over-4h',
      source: 'rie-v2-draft',
      status: yesNo(figures.sessions.over4h === 0),
      params: { count: figures.sessions.over4h, ended: figures.sessions.ended },
    },
    {
      id: 'means-renewal',
      source: 'rie-v2-draft',
      status: yesNo(config.means.maxKeyAgeDays <= RIE_MEANS_MAX_DAYS),
      params: { days: config.means.maxKeyAgeDays, expired: figures.keys.expired, confirmed: figures.keys.confirmed },
    },
    { id: 'means-revocable', source: 'rie-v2-draft', status: 'yes', params: { revoked: figures.keys.revoked } },
    { id: 'holder-notified', source: 'rie-v2-draft', status: yesNo(config.means.noticesAtSignIn), params: { mail: config.mail.smtp.host ? 'yes' : 'no' } },
    {
      id: 'change-policy',
      source: 'rie-v2-draft',
      status: yesNo(s.browserChange !== 'ignore'),
      params: { browser: s.browserChange, address: s.addressChange },
    },
    {
      id: 'quick-reauth',
      source: 'rie-v2-draft',
      status: yesNo(s.sharedWorkstation.quickReauthMinutes <= RIE_SESSION_MAX_MINUTES),
      params: { minutes: s.sharedWorkstation.quickReauthMinutes, networks: s.sharedWorkstation.networks.length },
    },
    {
      id: 'emergency-access',
      source: 'rie-v2-draft',
      status: yesNo(config.emergency.validityHours <= RIE_EMERGENCY_MAX_HOURS),
      params: { hours: config.emergency.validityHours, issued: figures.emergency.issued, used: figures.emergency.used },
    },
    { id: 'audit-trail', source: 'gateway', status: 'yes', params: { days: config.audit.retentionDays } },
    {
      id: 'reauth-duration',
      source: 'ans-faq',
      status: 'attest',
      params: { idle: s.sharedWorkstation.idleMinutes, absolute: s.sharedWorkstation.absoluteMinutes, networks: s.sharedWorkstation.networks.length },
    },
  ];
  return {
    generatedAt: new Date(input.now).toISOString(),
    range: figures.range,
    checks,
    attest: [...RIE_ATTESTATIONS],
    unmet: checks.filter((c) => c.status === 'no').length,
  };
}
