/**
 * One home for a journey's state: every value the gateway keeps under an interaction, between
 * the requests of one sign-in. Each value has a name, a zod schema, how it is written (plain
 * text or JSON, as it always was: a value written before a deploy still reads after it) and
 * how long it lives. Reading checks the schema: a value that fails it is treated as absent
 * (the journey goes on as if it was never written: "expired" page, access_denied…) and
 * logged once per process, by name, never with its content.
 *
 * Keys are `keyNames.interaction(uid, name)`, in the interaction's Cluster slot. The WebAuthn
 * challenges of an interaction are named here too (ceremonyKey); their content is
 * webauthn/ceremony-state.ts's, which the portal shares, and is schema-checked there.
 */
import { z } from 'zod';
import type { Store } from '../store/store.ts';
import type { KeyNames } from '../store/key-names.ts';
import type { FederationFailure } from '../federation/index.ts';
import { LEVELS, type Assurance, type Requirement } from '../assurance/index.ts';

/** Who signed in, when, and what it proved. */
export interface VerifiedLogin {
  accountId: string;
  /** Epoch ms the authentication was verified: the token's `auth_time`, whatever pages follow. */
  authTime: number;
  assurance: Assurance;
  /** The key used, for WebAuthn sign-ins (its revocation ends the login). */
  key?: { id: string; name: string };
}

/** The step a pending login waits for. */
export type PendingStep = 'enrol' | 'second-factor' | 'confirm-key' | 'notices';

/** A login verified but not finished, bound to the step it waits for (pending-login.ts). */
export interface PendingLogin {
  step: PendingStep;
  login: VerifiedLogin;
}

type RequirementSummary = Pick<Requirement, 'level' | 'phishingResistant' | 'hardwareProtected'>;

/** Why an interaction cannot reach the level its application requires (unmet-reason.ts); named like the `stepup.unmet` audit reasons. */
export type UnmetReason =
  /** Nothing this clinician has (key, CPS card, e-CPS + key) can reach the level. */
  | { reason: 'no-means-reaches-the-level'; requirement: RequirementSummary }
  /** A PSC sign-in succeeded with a means below the level (e.g. e-CPS when eidas3 is required). */
  | {
      reason: 'means-used-falls-short';
      method: string;
      acr: string;
      requirement: RequirementSummary;
      /** The application requires a key, which a sign-in this weak cannot enrol (`requirement`: the binding minimum). */
      enrolmentTooWeak?: boolean;
    }
  /** PSC delegated the sign-in and the key used is not a means the policy accepts for delegation. */
  | { reason: 'means-not-accepted-for-delegation'; method: string; acr: string; phishingResistant: boolean; requirement: RequirementSummary }
  /** PSC delegated the sign-in to a clinician who has no key yet (told how to enrol one). */
  | { reason: 'no-key-for-delegation'; requirement: RequirementSummary };

/** The WebAuthn ceremonies of an interaction, each with its own challenge. */
export type Ceremony = 'webauthn-auth' | 'webauthn-reg' | 'webauthn-2fa' | 'webauthn-quick';

/** The values of a journey, by the name they are stored under. */
export interface JourneyValues {
  /** The interaction's client_id, kept beyond the interaction for *Back* links (interaction-client.ts). */
  client: string;
  /** The verified PSC result, from the callback to /psc/done (single use; lives as long as a PSC round trip). */
  'psc-result': VerifiedLogin;
  /** Why the last PSC round trip failed: shown again by /psc/failure, taken by abort.ts. */
  'psc-failure': FederationFailure;
  /** Why the level cannot be reached: taken by abort.ts, read by the unmet and delegation pages. */
  'abort-reason': UnmetReason;
  /** PSC answered below the requirement in this interaction (its acr): later round trips ask PSC for a fresh authentication. */
  'psc-fell-short': string;
  /** A verified login waiting for a step (enrolment, second factor, key to confirm, notices). */
  'pending-login': PendingLogin;
  /** The notices were acknowledged in this interaction: not shown again. */
  'notices-seen': '1';
}
export type JourneyValueName = keyof JourneyValues;

const text = z.string().min(1);
const requirementSummary = z.looseObject({ level: z.enum(LEVELS), phishingResistant: z.boolean(), hardwareProtected: z.boolean() });
const verifiedLogin = z.looseObject({
  accountId: text,
  authTime: z.number(),
  assurance: z.looseObject({ method: text, acr: z.enum(LEVELS), amr: z.array(z.string()), phishingResistant: z.boolean(), hardwareProtected: z.boolean() }),
  key: z.looseObject({ id: text, name: z.string() }).optional(),
});

interface Entry<T> {
  schema: z.ZodType<T>;
  /** Text values are stored as they are, the others as JSON. */
  encoding: 'text' | 'json';
  /** The interaction's lifetime (ttl.interaction), or a PSC round trip's (psc.stateTtlSeconds). */
  lives: 'interaction' | 'psc-round-trip';
}

const VALUES: { [N in JourneyValueName]: Entry<JourneyValues[N]> } = {
  client: { schema: text, encoding: 'text', lives: 'interaction' },
  'psc-result': { schema: verifiedLogin, encoding: 'json', lives: 'psc-round-trip' },
  'psc-failure': {
    schema: z.enum(['refused', 'unavailable', 'invalid-state', 'invalid-response', 'invalid-claims'] satisfies FederationFailure[]),
    encoding: 'text',
    lives: 'interaction',
  },
  'abort-reason': {
    schema: z.discriminatedUnion('reason', [
      z.looseObject({ reason: z.literal('no-means-reaches-the-level'), requirement: requirementSummary }),
      z.looseObject({
        reason: z.literal('means-used-falls-short'),
        method: text,
        acr: text,
        requirement: requirementSummary,
        enrolmentTooWeak: z.boolean().optional(),
      }),
      z.looseObject({
        reason: z.literal('means-not-accepted-for-delegation'),
        method: text,
        acr: text,
        phishingResistant: z.boolean(),
        requirement: requirementSummary,
      }),
      z.looseObject({ reason: z.literal('no-key-for-delegation'), requirement: requirementSummary }),
    ]),
    encoding: 'json',
    lives: 'interaction',
  },
  'psc-fell-short': { schema: text, encoding: 'text', lives: 'interaction' },
  'pending-login': {
    schema: z.looseObject({ step: z.enum(['enrol', 'second-factor', 'confirm-key', 'notices']), login: verifiedLogin }),
    encoding: 'json',
    lives: 'interaction',
  },
  'notices-seen': { schema: z.literal('1'), encoding: 'text', lives: 'interaction' },
};

export interface JourneyState {
  /** The value, or undefined when absent, expired or failing its schema. */
  get<N extends JourneyValueName>(uid: string, name: N): Promise<JourneyValues[N] | undefined>;
  /** Reads and deletes (single use); undefined as for get. */
  take<N extends JourneyValueName>(uid: string, name: N): Promise<JourneyValues[N] | undefined>;
  /** Writes the value (replacing any), for as long as the value lives. */
  set<N extends JourneyValueName>(uid: string, name: N, value: JourneyValues[N]): Promise<void>;
  /** Writes the value only when none is there; true when written. */
  setIfAbsent<N extends JourneyValueName>(uid: string, name: N, value: JourneyValues[N]): Promise<boolean>;
  /** Deletes values. */
  del(uid: string, ...names: JourneyValueName[]): Promise<void>;
  /** True the first time `marker` is seen in this interaction (page reloads record nothing twice). */
  firstTime(uid: string, marker: string): Promise<boolean>;
  /** Where the challenge of a WebAuthn ceremony of this interaction is kept. */
  ceremonyKey(uid: string, ceremony: Ceremony): string;
}

export interface JourneyStateOptions {
  store: Store;
  keyNames: KeyNames;
  /** Seconds: the interaction's lifetime (ttl.interaction) and a PSC round trip's (psc.stateTtlSeconds). */
  lifetimes: { interaction: number; pscRoundTrip: number };
  logger: { warn(fields: Record<string, unknown>, message: string): void };
}

/** How many refused keys a process remembers, so that each is logged once (then it starts again). */
const REMEMBERED_REFUSALS = 10_000;

export function createJourneyState({ store, keyNames, lifetimes, logger }: JourneyStateOptions): JourneyState {
  const refused = new Set<string>();
  const ttlOf = (name: JourneyValueName) => (VALUES[name].lives === 'interaction' ? lifetimes.interaction : lifetimes.pscRoundTrip);
  const encode = <N extends JourneyValueName>(name: N, value: JourneyValues[N]) => (VALUES[name].encoding === 'text' ? String(value) : JSON.stringify(value));

  function decode<N extends JourneyValueName>(uid: string, name: N, raw: string | null): JourneyValues[N] | undefined {
    if (raw === null) return undefined;
    const entry = VALUES[name];
    let data: unknown = raw;
    if (entry.encoding === 'json') {
      try {
        data = JSON.parse(raw);
      } catch {
        data = undefined;
      }
    }
    const parsed = entry.schema.safeParse(data);
    if (parsed.success) return parsed.data;
    const key = keyNames.interaction(uid, name);
    if (!refused.has(key)) {
      if (refused.size >= REMEMBERED_REFUSALS) refused.clear();
      refused.add(key);
      const issue = parsed.error.issues[0];
      logger.warn(
        { uid, value: name, issue: `${issue?.path.map(String).join('.') || '(value)'}: ${issue?.message ?? 'invalid'}` },
        'journey value failed its schema: treated as absent',
      );
    }
    return undefined;
  }

  return {
    get: async (uid, name) => decode(uid, name, await store.get(keyNames.interaction(uid, name))),
    take: async (uid, name) => decode(uid, name, await store.take(keyNames.interaction(uid, name))),
    set: (uid, name, value) => store.set(keyNames.interaction(uid, name), encode(name, value), ttlOf(name)),
    setIfAbsent: (uid, name, value) => store.setIfAbsent(keyNames.interaction(uid, name), encode(name, value), ttlOf(name)),
    del: async (uid, ...names) => {
      if (names.length) await store.del(...names.map((name) => keyNames.interaction(uid, name)));
    },
    firstTime: (uid, marker) => store.setIfAbsent(keyNames.interaction(uid, `audit-${marker}`), '1', lifetimes.interaction),
    ceremonyKey: (uid, ceremony) => keyNames.interaction(uid, ceremony),
  };
}
