/**
 * The address notices are e-mailed to, in /account (only when the establishment configured
 * SMTP): POST /account/email sends a one-time code to the address entered (a recent
 * authentication, the CSRF token, `mail.codesPerHour`); POST /account/email/verify keeps the
 * address once its code comes back (single use, five tries) and tells the address it replaces;
 * POST /account/email/remove drops it. Each answer is /account with a notice saying what happened; the code and the address are
 * never logged nor audited (only the address's domain).
 */
import type { Request, RequestHandler } from 'express';
import { emailAddress, type Mailer } from '../means/index.ts';
import { UserFacingError } from '../http/errors.ts';
import { csrfValid } from '../http/csrf.ts';
import { requireSession, type PortalDeps } from './context.ts';

function checkCsrf(deps: PortalDeps, req: Request, sessionUid: string): void {
  if (!csrfValid(deps.csrfSecret, sessionUid, req)) throw new UserFacingError(403, 'csrf', 'missing or wrong CSRF token');
}

function mailerOf(deps: PortalDeps): Mailer {
  if (!deps.notices.mailer) throw new UserFacingError(404, 'not_found', 'e-mail notices are not configured');
  return deps.notices.mailer;
}

const domainOf = (email: string) => email.slice(email.lastIndexOf('@') + 1).toLowerCase();

export function postEmail(deps: PortalDeps): RequestHandler {
  return async (req, res) => {
    const mailer = mailerOf(deps);
    const session = await requireSession(deps, req, res, { fresh: true });
    if (!session) return;
    checkCsrf(deps, req, session.uid);
    const parsed = emailAddress.safeParse((req.body as { email?: unknown } | undefined)?.email);
    if (!parsed.success) return res.redirect(303, '/account?notice=email-invalid#email');
    const email = parsed.data;
    const actor = session.accountId;
    const details = { domain: domainOf(email) };
    const code = await deps.notices.contacts.newCode(actor, email, deps.sessionChecks.clock());
    if (!code) {
      await deps.audit.record({ type: 'contact.code_sent', outcome: 'failure', actor, reason: 'rate-limited', details }, req);
      return res.redirect(303, '/account?notice=code-limit#email');
    }
    const t = deps.views.t('fr');
    try {
      await mailer.send({
        to: email,
        subject: t('contact.mail.subject'),
        text: `${t('contact.mail.body', { code, minutes: deps.config.mail.codeMinutes })}\n\n-- \n${deps.views.t('en')('contact.mail.body', { code, minutes: deps.config.mail.codeMinutes })}\n`,
      });
    } catch (err) {
      req.log.warn({ detail: (err as Error).message }, 'verification code not sent');
      await deps.audit.record({ type: 'contact.code_sent', outcome: 'failure', actor, reason: 'smtp-failed', details }, req);
      return res.redirect(303, '/account?notice=mail-failed#email');
    }
    await deps.audit.record({ type: 'contact.code_sent', outcome: 'info', actor, details }, req);
    res.redirect(303, '/account?notice=code-sent#email');
  };
}

const CHECK_NOTICES = { verified: 'email-verified', 'wrong-code': 'code-wrong', 'no-code': 'code-none', 'too-many-attempts': 'code-too-many' } as const;

export function postEmailVerify(deps: PortalDeps): RequestHandler {
  return async (req, res) => {
    mailerOf(deps);
    const session = await requireSession(deps, req, res);
    if (!session) return;
    checkCsrf(deps, req, session.uid);
    const code = String((req.body as { code?: unknown } | undefined)?.code ?? '').replace(/\s+/g, '');
    const pending = await deps.notices.contacts.pendingAddress(session.accountId);
    const previous = await deps.notices.contacts.address(session.accountId);
    const check = /^\d{6}$/.test(code)
      ? await deps.notices.contacts.check(session.accountId, code)
      : pending
        ? { result: 'wrong-code' as const }
        : { result: 'no-code' as const };
    const details = pending ? { domain: domainOf(pending) } : {};
    await deps.audit.record(
      check.result === 'verified'
        ? { type: 'contact.verified', outcome: 'success', actor: session.accountId, details }
        : { type: 'contact.verified', outcome: 'failure', actor: session.accountId, reason: check.result, details },
      req,
    );
    if (check.result === 'verified' && previous && previous !== check.email) {
      // Whoever changed it, the former address hears of it (a takeover would otherwise go unseen).
      const fr = deps.views.t('fr');
      await deps.notices
        .mailer!.send({
          to: previous,
          subject: fr('contact.changed.subject'),
          text: `${fr('contact.changed.body')}\n\n-- \n${deps.views.t('en')('contact.changed.body')}\n`,
        })
        .catch((err: Error) => req.log.warn({ detail: err.message }, 'the former notice address could not be told of the change'));
    }
    res.redirect(303, `/account?notice=${CHECK_NOTICES[check.result]}#email`);
  };
}

export function postEmailRemove(deps: PortalDeps): RequestHandler {
  return async (req, res) => {
    mailerOf(deps);
    const session = await requireSession(deps, req, res);
    if (!session) return;
    checkCsrf(deps, req, session.uid);
    await deps.notices.contacts.remove(session.accountId);
    res.redirect(303, '/account?notice=email-removed#email');
  };
}
