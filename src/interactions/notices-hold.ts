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
/** A day's sign-ins warn of a key to confirm once. */
const WARNING_EVERY_SECONDS = 20 * 3600;

const warnedKey = (deps: InteractionDeps, idNat: string) => deps.keyNames.accountPart(idNat, 'age-warned');

export async function noticesToShow(deps: InteractionDeps, uid: string, idNat: string): Promise<Notice[]> {
  const attempt = attemptId(uid);
  return (await deps.notices.board.pending(idNat)).filter((notice) => notice.attempt !== attempt);
}

export async function keysToWarnOf(deps: InteractionDeps, idNat: string) {
  const now = deps.clock();
  return (await deps.credentials.listUsable(idNat))
    .map((credential) => ({ name: credential.name, age: keyAge(credential, now, deps.config.means) }))
    .filter((key) => key.age.state !== 'current');
}

/** The clinician was just told of their keys to confirm (the confirmation page): no warning again today. */
export async function markWarned(deps: InteractionDeps, idNat: string): Promise<void> {
  await deps.store.set(warnedKey(deps, idNat), '1', WARNING_EVERY_SECONDS);
}

/** Where the login goes instead of finishing (the notices page), or undefined when there is nothing to show. */
export async function holdForNotices(deps: InteractionDeps, details: InteractionDetails, login: VerifiedLogin): Promise<string | undefined> {
  if (!deps.config.means.noticesAtSignIn) return undefined;
  if (await deps.journey.get(details.uid, 'notices-seen')) return undefined;
  const notices = await noticesToShow(deps, details.uid, login.accountId);
  const warn =
    notices.length === 0 && (await deps.store.get(warnedKey(deps, login.accountId))) === null ? (await keysToWarnOf(deps, login.accountId)).length > 0 : false;
  if (notices.length === 0 && !warn) return undefined;
  await savePendingLogin(deps, details.uid, 'notices', login);
  return `/interaction/${details.uid}/notices`;
}
