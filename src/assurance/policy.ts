/**
 * The assurance policy as data (assurance.file, config/assurance.json by default), validated
 * at start-up: each method gives an amr list, a level and whether it resists phishing. A bad
 * file stops start-up with exit code 2 and a line per problem.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, envNameFor, issueProblems } from '../config/index.ts';
import { HIGH, LEVELS, SUBSTANTIAL } from './levels.ts';

const AMR_VALUES = [
  'face',
  'fpt',
  'geo',
  'hwk',
  'iris',
  'kba',
  'mca',
  'mfa',
  'otp',
  'pin',
  'pop',
  'pwd',
  'rba',
  'retina',
  'sc',
  'sms',
  'swk',
  'tel',
  'user',
  'vbm',
  'wia',
] as const;

const methodSchema = z.strictObject({
  description: z.string().min(1),
  amr: z.array(z.enum(AMR_VALUES)),
  level: z.enum(LEVELS),
  phishingResistant: z.boolean(),
  /** Hardware-protected phishing-resistant key (OpenID EAP `phrh`): smart card, device-bound key. */
  hardwareProtected: z.boolean().default(false),
});

const strengthSchema = z.strictObject({
  acr: z.enum(LEVELS),
  phishingResistant: z.boolean(),
  hardwareProtected: z.boolean(),
});

/**
 * How keys are bound (NIST SP 800-63B §6.1.2.1): a key is worth at most the sign-in that
 * bound it. The defaults are the safe ones, so that a policy file written before this rule
 * still loads.
 */
const bindingSchema = z.strictObject({
  $comment: z.string().optional(),
  /** A sign-in below this level cannot bind a key (enrolment refused). */
  minimumLevel: z.enum(LEVELS).default(SUBSTANTIAL),
  /** The ceiling of keys stored before bindings were recorded, until raised. */
  unrecorded: strengthSchema.default({ acr: SUBSTANTIAL, phishingResistant: false, hardwareProtected: false }),
  /** What an administrator's in-person identity check confirms a key at (the key's own worth still caps it). */
  inPerson: strengthSchema.default({ acr: HIGH, phishingResistant: true, hardwareProtected: true }),
});

/**
 * Which means may answer Pro Santé Connect when it delegates a sign-in to the gateway
 * ("PSC sans couture", assurance/delegation.ts). Absent: the phishing-resistant multi-factor
 * methods that do not come from PSC itself (PSC vouching for itself through the gateway
 * would be a loop), at eidas2 and phishing-resistant.
 */
const delegationSchema = z.strictObject({
  $comment: z.string().optional(),
  /** Methods accepted (a key also counts at what its binding lets it prove: see the two below). */
  methods: z.array(z.string()),
  /** The least level the sign-in must reach. */
  minimumLevel: z.enum(LEVELS).default(SUBSTANTIAL),
  /** The sign-in must resist phishing (the ANS expectation for a "FI tiers"). */
  phishingResistant: z.boolean().default(true),
});

export const policySchema = z
  .strictObject({
    $comment: z.string().optional(),
    methods: z.record(z.string().regex(/^[a-z0-9+-]+$/, 'lower-case letters, digits, - and +'), methodSchema),
    psc: z.strictObject({
      /** PSC authMode value → method name. */
      authModes: z.record(z.string().min(1), z.string()),
      /** Method used when PSC sends no authMode or one not listed above. */
      unknownAuthMode: z.string(),
      /** When true, the level never exceeds the `acr` PSC returned. */
      capByUpstreamAcr: z.boolean().default(false),
    }),
    webauthn: z.strictObject({
      /** Method of a device-bound key (security key, non-synced passkey). */
      deviceBound: z.string(),
      /** Method of a synced passkey (backed up: multi-device). */
      synced: z.string(),
      /** Device-bound keys with a verified attestation whose AAGUID is on the establishment's allow-list. */
      attested: z.strictObject({ method: z.string(), allowList: z.array(z.uuid().transform((id) => id.toLowerCase())) }),
      /** Applications with `key_after_ecps` ask for a key after a sign-in by method `after`; the result is method `method` (its `amr` is added to the factors really used). */
      secondFactor: z.strictObject({ after: z.string(), method: z.string() }),
    }),
    /** Emergency access codes (accès de secours): the method a sign-in with one is worth. */
    emergency: z.strictObject({ $comment: z.string().optional(), method: z.string() }).default({ method: 'emergency-code' }),
    /**
     * Quick re-authentication at shared workstations: the method a touch of a key without user
     * verification is worth (its `amr` is added to the key's own factor, never `mfa`).
     */
    sharedWorkstation: z.strictObject({ $comment: z.string().optional(), method: z.string() }).default({ method: 'webauthn-presence' }),
    delegation: delegationSchema.optional(),
    binding: bindingSchema.default({
      minimumLevel: SUBSTANTIAL,
      unrecorded: { acr: SUBSTANTIAL, phishingResistant: false, hardwareProtected: false },
      inPerson: { acr: HIGH, phishingResistant: true, hardwareProtected: true },
    }),
  })
  .superRefine((p, ctx) => {
    const known = new Set(Object.keys(p.methods));
    const refersToMethod = (path: string[], method: string) => {
      if (!known.has(method)) ctx.addIssue({ code: 'custom', path, input: method, message: `a method defined in "methods" (${[...known].join(', ')})` });
    };
    refersToMethod(['psc', 'unknownAuthMode'], p.psc.unknownAuthMode);
    for (const [mode, method] of Object.entries(p.psc.authModes)) refersToMethod(['psc', 'authModes', mode], method);
    refersToMethod(['webauthn', 'deviceBound'], p.webauthn.deviceBound);
    refersToMethod(['webauthn', 'synced'], p.webauthn.synced);
    refersToMethod(['webauthn', 'attested', 'method'], p.webauthn.attested.method);
    refersToMethod(['webauthn', 'secondFactor', 'after'], p.webauthn.secondFactor.after);
    refersToMethod(['webauthn', 'secondFactor', 'method'], p.webauthn.secondFactor.method);
    refersToMethod(['emergency', 'method'], p.emergency.method);
    refersToMethod(['sharedWorkstation', 'method'], p.sharedWorkstation.method);
    for (const [path, method] of [
      ['emergency', p.emergency.method],
      ['sharedWorkstation', p.sharedWorkstation.method],
    ] as const) {
      if (p.methods[method]?.amr.includes('mfa'))
        ctx.addIssue({ code: 'custom', path: [path, 'method'], input: method, message: 'a method whose amr does not claim mfa (it is one factor)' });
    }
    p.delegation?.methods.forEach((method, i) => refersToMethod(['delegation', 'methods', String(i)], method));
  })
  .transform((p) => ({ ...p, delegation: p.delegation ?? defaultDelegation(p) }));

/** The default delegation rule: phishing-resistant multi-factor methods that do not come from PSC. */
function defaultDelegation(p: {
  methods: Record<string, z.output<typeof methodSchema>>;
  psc: { authModes: Record<string, string>; unknownAuthMode: string };
  webauthn: { secondFactor: { method: string } };
}) {
  const fromPsc = new Set([...Object.values(p.psc.authModes), p.psc.unknownAuthMode, p.webauthn.secondFactor.method]);
  const methods = Object.entries(p.methods)
    .filter(([name, m]) => !fromPsc.has(name) && m.phishingResistant && m.amr.includes('mfa'))
    .map(([name]) => name);
  return { methods, minimumLevel: SUBSTANTIAL, phishingResistant: true };
}

export type AssurancePolicy = z.output<typeof policySchema>;
export type MethodPolicy = z.output<typeof methodSchema>;

export function parsePolicy(data: unknown, source = 'assurance'): AssurancePolicy {
  const parsed = policySchema.safeParse(data, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw new ConfigError(issueProblems(parsed.error.issues, source));
}

export function loadPolicy(path: string): AssurancePolicy {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([
      {
        key: 'assurance.file',
        env: envNameFor('assurance.file'),
        received: JSON.stringify(path),
        expected: `a readable JSON file (${(err as Error).message})`,
      },
    ]);
  }
  return parsePolicy(data, path);
}
