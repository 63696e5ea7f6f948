/**
 * Whether a sign-in stops at the notices step before it finishes (RIE means lifecycle): the
 * clinician has changes to their means they have not acknowledged (a key added, renamed, raised,
 * confirmed, revoked, expired, blocked, disabled by a FIDO status report) or, at most once a
 * day, keys to confirm soon. Changes made during this very sign-in (e.g. the key just enrolled)
 * wait for the next one. The step's pages are notices-step.ts.
 */
import { attemptId } from '../http/audit.ts';
import { keyAge } from '../webauthn/index.ts';
import type { Notice } from '../means/index.ts';
import type { InteractionDeps, InteractionDetails } from './context.ts';
import { savePendingLogin, type VerifiedLogin } from './pending-login.ts';

/** Not those of changes made in this very sign-in (`uid`): they wait for the next one. */
const notOfThisSignIn = (notices: Notice[], uid: string) => {
  const attempt = attemptId(uid);
  return notices.filter((notice) => notice.attempt !== attempt);
};

export async function noticesToShow(deps: InteractionDeps, uid: string, idNat: string): Promise<Notice[]> {
  return notOfThisSignIn(await deps.notices.board.pending(idNat), uid);
}

export async function keysToWarnOf(deps: InteractionDeps, idNat: string) {
  const now = deps.clock();
  return (await deps.credentials.listUsable(idNat))
    .map((credential) => ({ name: credential.name, age: keyAge(credential, now, deps.config.means) }))
    .filter((key) => key.age.state !== 'current');
}

/** The clinician was just told of their keys to confirm (the confirmation page): no warning again today. */
export async function markWarned(deps: InteractionDeps, idNat: string): Promise<void> {
  await deps.notices.board.markWarned(idNat);
}

/** Where the login goes instead of finishing (the notices page), or undefined when there is nothing to show. */
export async function holdForNotices(deps: InteractionDeps, details: InteractionDetails, login: VerifiedLogin): Promise<string | undefined> {
  if (!deps.config.means.noticesAtSignIn) return undefined;
  const { pending, warnedToday } = await deps.notices.board.atSignIn(login.accountId);
  const notices = notOfThisSignIn(pending, details.uid);
  // The keys come from what the sign-in already read of them, with its own use applied (credential-repository.ts).
  const warn = notices.length === 0 && !warnedToday ? (await keysToWarnOf(deps, login.accountId)).length > 0 : false;
  if (notices.length === 0 && !warn) return undefined;
  // Asked last: only a sign-in with something to show can have been shown it already in this interaction.
  if (await deps.journey.get(details.uid, 'notices-seen')) return undefined;
  await savePendingLogin(deps, details.uid, 'notices', login);
  return noticesStepUrl(details.uid);
}

/** The notices step of the sign-in `uid` (notices-step.ts). */
export function noticesStepUrl(uid: string): string {
  return `/interaction/${uid}/notices`;
}
