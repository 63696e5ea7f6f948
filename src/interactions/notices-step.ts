/**
 * The notices step of a sign-in (RIE means lifecycle), once notices-hold.ts has held the login:
 * the clinician sees the changes to their means since they last acknowledged and the keys to
 * confirm soon. "Continuer" acknowledges what was shown (up to the last seq on the page: a
 * change recorded meanwhile stays pending) and finishes the login.
 */
import type { RequestHandler } from 'express';
import { UserFacingError } from '../http/errors.ts';
import { localeOf, sendPage } from '../http/page.ts';
import { noticeText } from '../means/index.ts';
import type { InteractionDeps } from './context.ts';
import { interactionWithPendingLogin, takePendingLogin } from './pending-login.ts';
import { finishLogin } from './finish-login.ts';
import { keysToWarnOf, markWarned, noticesToShow } from './notices-hold.ts';

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
    if (count)
      await deps.audit.record(
        { type: 'notices.acknowledged', outcome: 'info', actor: login.accountId, clientId: String(details.params.client_id), details: { count, upTo } },
        req,
      );
    // Kept for a later sign-in of this interaction (one refused after this, e.g. its session ended).
    await deps.journey.set(details.uid, 'notices-seen', '1');
    await finishLogin(deps, req, res, details, login, { noticesShown: true });
  };
}
