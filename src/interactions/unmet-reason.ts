/**
 * Why an interaction cannot reach the level its application requires, recorded when the
 * "niveau insuffisant" page is shown: read back when the clinician goes back (abort.ts, the
 * error_description), to show that page again (unmet-page.ts) and, when PSC answered below the
 * level, by the next PSC round trip, which then asks PSC for a fresh authentication
 * (psc-start.ts) instead of its session.
 */
import type { Requirement } from '../assurance/index.ts';
import type { InteractionDeps } from './context.ts';
import type { UnmetReason } from './journey-state.ts';

/** The causes (journey-state.ts), named like the `stepup.unmet` audit reasons. */
export type { UnmetReason } from './journey-state.ts';

/** The reasons of a delegated sign-in (PSC sans couture): PSC is sent back with them. */
export const DELEGATION_REASONS: ReadonlySet<string> = new Set(['means-not-accepted-for-delegation', 'no-key-for-delegation']);

type RequirementSummary = Pick<Requirement, 'level' | 'phishingResistant' | 'hardwareProtected'>;

/** Store name (under the interaction) of the UnmetReason, taken when the clinician goes back. */
export const ABORT_REASON = 'abort-reason' as const;

/**
 * Store name (under the interaction) of the mark "PSC answered below the requirement in this
 * interaction": kept for the interaction's lifetime, so that every later PSC round trip of the
 * interaction asks for a fresh authentication (a retry after a PSC error page included).
 */
export const PSC_FELL_SHORT = 'psc-fell-short' as const;

/** Records why the level cannot be reached (and, for a PSC shortfall, the mark for psc-start). */
export async function recordUnmet(deps: Pick<InteractionDeps, 'journey'>, uid: string, unmet: UnmetReason): Promise<void> {
  const summary = {
    level: unmet.requirement.level,
    phishingResistant: unmet.requirement.phishingResistant,
    hardwareProtected: unmet.requirement.hardwareProtected,
  };
  await deps.journey.set(uid, ABORT_REASON, { ...unmet, requirement: summary });
  if (unmet.reason === 'means-used-falls-short') await deps.journey.set(uid, PSC_FELL_SHORT, unmet.acr);
}

/** Takes the recorded reason (single use); undefined when none or unreadable. */
export async function takeUnmet(deps: Pick<InteractionDeps, 'journey'>, uid: string): Promise<UnmetReason | undefined> {
  return deps.journey.take(uid, ABORT_REASON);
}

/** Reads the recorded reason, leaving it in place; undefined when none or unreadable. */
export async function readUnmet(deps: Pick<InteractionDeps, 'journey'>, uid: string): Promise<UnmetReason | undefined> {
  return deps.journey.get(uid, ABORT_REASON);
}

/** English names of the PSC means in error descriptions (ASCII, as RFC 6749 requires there). */
const MEANS_NAMES: Record<string, string> = { 'psc-card': 'CPS card', 'psc-ecps': 'e-CPS', 'psc-unknown': 'unrecognised means' };

function levelText(r: RequirementSummary): string {
  return [r.level, ...(r.phishingResistant ? ['phishing-resistant'] : []), ...(r.hardwareProtected ? ['hardware-protected'] : [])].join(', ');
}

/** The characters RFC 6749 allows in error_description. */
function ascii(text: string): string {
  return text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '');
}

/** The OAuth error for a recorded reason: a clinician without a key is a refusal, anything else an unmet requirement. */
export function unmetError(unmet: UnmetReason): 'access_denied' | 'unmet_authentication_requirements' {
  return unmet.reason === 'no-key-for-delegation' ? 'access_denied' : 'unmet_authentication_requirements';
}

/** The error_description sent with unmet_authentication_requirements: true to the case. */
export function unmetDescription(unmet: UnmetReason): string {
  const required = levelText(unmet.requirement);
  if (unmet.reason === 'no-key-for-delegation') {
    return "the clinician has no security key or passkey at the establishment yet; they were told to enrol one through the establishment's usual sign-in and sent back to Pro Sante Connect";
  }
  if (unmet.reason === 'means-not-accepted-for-delegation') {
    const strength = `${ascii(unmet.acr)}${unmet.phishingResistant ? ', phishing-resistant' : ', not phishing-resistant'}`;
    return `the means used at the establishment (${ascii(unmet.method)}, ${strength}) is not accepted for delegation to Pro Sante Connect (required: phishing-resistant two-factor, ${required})`;
  }
  if (unmet.reason === 'no-means-reaches-the-level') {
    return `no means of authentication available to the clinician reaches the level this client requires (${required})`;
  }
  const means = MEANS_NAMES[unmet.method] ?? ascii(unmet.method);
  return `the means used at Pro Sante Connect (${means}, ${unmet.acr}) does not reach the level this client requires (${required}); the clinician did not complete a sign-in at that level`;
}
