/**
 * GET /account — the clinician's own page: identity, keys (name, kind, model, dates, backed
 * up, blocked, the highest level each can prove under its binding and how to raise it), what
 * the last actions did (in words: activity-label.ts), the form to add a key, and recent sign-ins.
 * Each key says until when it signs in before PSC must confirm it (means lifecycle: a warning
 * `means.warnDays` before, an alert once past; an expired key is noted once: means/expired-keys.ts).
 */
import type { RequestHandler } from 'express';
import { localeOf, sendPage } from '../http/page.ts';
import { requireSession, type PortalDeps } from './context.ts';
import { csrfToken } from '../http/csrf.ts';
import { isFresh } from './session.ts';
import { activityLabel } from './activity-label.ts';
import { keyAssurance, keyOwnAssurance, raisesBinding } from '../assurance/index.ts';
import { keyAge } from '../webauthn/index.ts';
import { noteExpiredKeys } from '../means/expired-keys.ts';

const NOTICES = new Set([
  'renamed',
  'revoked',
  'revoked-last',
  'added',
  'fresh',
  'raised',
  'code-sent',
  'email-invalid',
  'code-limit',
  'mail-failed',
  'email-verified',
  'code-wrong',
  'code-none',
  'code-too-many',
  'email-removed',
]);

export function getAccountPage(deps: PortalDeps): RequestHandler {
  return async (req, res) => {
    const session = await requireSession(deps, req, res);
    if (!session) return;
    const [account, credentials, signIns, events] = await Promise.all([
      deps.accounts.find(session.accountId),
      deps.credentials.listByAccount(session.accountId),
      deps.activity.recent(session.accountId, 10, (e) => e.type === 'signin.succeeded'),
      deps.activity.recent(session.accountId, 15),
    ]);
    const clientNames = new Map<string, string>();
    for (const s of [...signIns, ...events]) {
      if (s.clientId && !clientNames.has(s.clientId)) clientNames.set(s.clientId, (await deps.provider.Client.find(s.clientId))?.clientName ?? s.clientId);
    }
    const now = deps.sessionChecks.clock();
    const mail = deps.notices.mailer
      ? { address: await deps.notices.contacts.address(session.accountId), pending: await deps.notices.contacts.pendingAddress(session.accountId) }
      : undefined;
    await noteExpiredKeys(
      deps,
      credentials.filter((c) => !c.blocked),
      now,
      req,
    );
    const lang = localeOf(req);
    const t = deps.views.t(lang);
    const notice = typeof req.query.notice === 'string' && NOTICES.has(req.query.notice) ? req.query.notice : undefined;
    sendPage(deps.views, req, res, 'account', {
      account,
      idNat: session.accountId,
      credentials: credentials.map((c) => {
        const worth = keyAssurance(deps.policy, c);
        return { ...c, worth, raisable: raisesBinding(worth, keyOwnAssurance(deps.policy, c)), age: keyAge(c, now, deps.config.means) };
      }),
      signIns: signIns.map((s) => ({ ...s, clientName: s.clientId ? clientNames.get(s.clientId) : undefined })),
      events: events.map((e) => ({ ...e, label: activityLabel(e, t, lang), clientName: e.clientId ? clientNames.get(e.clientId) : undefined })),
      notice,
      mail,
      keysDue: credentials.some((c) => !c.blocked && keyAge(c, now, deps.config.means).state === 'expired')
        ? 'expired'
        : credentials.some((c) => !c.blocked && keyAge(c, now, deps.config.means).state === 'due-soon')
          ? 'due-soon'
          : undefined,
      fresh: isFresh(session, deps.config.portal.freshAuthSeconds),
      csrf: csrfToken(deps.csrfSecret, session.uid),
      support: deps.config.support.contact,
    });
  };
}

export function getSignedOut(deps: PortalDeps): RequestHandler {
  return (req, res) => sendPage(deps.views, req, res, 'account-signed-out');
}
