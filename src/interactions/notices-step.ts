/**
 * The notices step of a sign-in (RIE means lifecycle): before the login finishes, a clinician
 * sees once the changes to their means since they last acknowledged (a key added, renamed,
 * raised, confirmed, revoked, expired, blocked, disabled by a FIDO status report) and, at most
 * once a day, the keys to confirm soon. "Continuer" acknowledges what was shown (up to the last
 * seq on the page: a change recorded meanwhile stays pending) and finishes the login. Changes
 * made during this very sign-in (e.g. the key just enrolled) wait for the next one.
 */
import type { RequestHandler } from 'express';
import { attemptId } from '../http/audit.ts';
import { UserFacingError } from '../http/errors.ts';
import { localeOf, sendPage } from '../http/page.ts';
import { keyAge } from '../webauthn/index.ts';
import { noticeText, type Notice } from '../means/index.ts';
import type { InteractionDeps, InteractionDetails } from './context.ts';
import { interactionWithPendingLogin, savePendingLogin, takePendingLogin, type VerifiedLogin } from './pending-login.ts';
import { finishLogin } from './finish-login.ts';

/** A day's sign-ins warn of a key to confirm once. */
const WARNING_EVERY_SECONDS = 20 * 3600;

const warnedKey = (deps: InteractionDeps, idNat: string) => deps.keys.accountPart(idNat, 'age-warned');

async function noticesToShow(deps: InteractionDeps, uid: string, idNat: string): Promise<Notice[]> {
  const attempt = attemptId(uid);
  return (await deps.notices.board.pending(idNat)).filter((notice) => notice.attempt !== attempt);
}

async function keysToWarnOf(deps: InteractionDeps, idNat: string) {
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
  const warn = notices.length === 0 && (await deps.store.get(warnedKey(deps, login.accountId))) === null
    ? (await keysToWarnOf(deps, login.accountId)).length > 0
    : false;
  if (notices.length === 0 && !warn) return undefined;
  await savePendingLogin(deps, details.uid, 'notices', login);
  return `/interaction/${details.uid}/notices`;
}

export function getNotices(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const { details, login } = await interactionWithPendingLogin(deps, req, res, 'notices');
    const t = deps.views.t(localeOf(req));
    const notices = await noticesToShow(deps, details.uid, login.accountId);
    const keys = await keysToWarnOf(deps, login.accountId);
    if (keys.length) await markWarned(deps, login.accountId);
    sendPage(deps.views, req, res, 'notices', {
      uid: details.uid,
      notices: notices.map((notice) => ({ ...notice, text: noticeText(notice, t), time: Date.parse(notice.at) })),
      keys,
      upTo: notices.at(-1)?.seq ?? 0,
      support: deps.config.support.contact,
    });
  };
}

export function postNotices(deps: InteractionDeps): RequestHandler {
  return async (req, res) => {
    const { details } = await interactionWithPendingLogin(deps, req, res, 'notices');
    const login = await takePendingLogin(deps, details.uid, 'notices');
    if (!login) throw new UserFacingError(400, 'interaction_expired', 'no login waiting for the notices step');
    const posted = Number((req.body as { upTo?: unknown } | undefined)?.upTo);
    // Only what this sign-in may show is acknowledged, whatever the form says.
    const shown = (await noticesToShow(deps, details.uid, login.accountId)).map((notice) => notice.seq).filter((seq) => seq <= posted);
    const upTo = shown.length ? Math.max(...shown) : 0;
    const count = upTo ? await deps.notices.board.acknowledge(login.accountId, upTo) : 0;
    if (count) await deps.audit.record({ type: 'notices.acknowledged', outcome: 'info', actor: login.accountId, clientId: String(details.params.client_id), details: { count, upTo } }, req);
    await deps.journey.set(details.uid, 'notices-seen', '1');
    await finishLogin(deps, req, res, details, login);
  };
}
