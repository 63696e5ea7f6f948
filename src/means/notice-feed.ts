/**
 * From the audit trail to the clinician: each chained event that changes a clinician's means
 * (notices.ts noticeOf) is put on their notice board and, when the establishment configured
 * SMTP and the clinician verified an address, e-mailed to them. It runs as the recorder's
 * onRecorded hook of the gateway and of the admin commands, so no change escapes it. Mails
 * go out in the background (a slow relay never delays a sign-in); `drain` waits for them.
 */
import type { AuditEvent } from '../audit/types.ts';
import { createViews } from '../http/views.ts';
import type { ContactBook } from './contact.ts';
import type { Mailer } from './mailer.ts';
import { noticeOf, type NoticeBoard } from './notices.ts';
import { noticeText } from './notice-text.ts';

/** Where a mail that could not be sent is reported (a pino logger fits). */
export interface NoticeLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface NoticeFeedOptions {
  board: NoticeBoard;
  /** Both or neither: e-mail copies of the notices. */
  mail?: { mailer: Mailer; contacts: ContactBook } | undefined;
  logger?: NoticeLogger | undefined;
}

export interface NoticeFeed {
  apply(event: AuditEvent): Promise<void>;
  /** Waits for the mails under way. */
  drain(): Promise<void>;
}

export function createNoticeFeed(options: NoticeFeedOptions): NoticeFeed {
  const inFlight = new Set<Promise<void>>();
  const views = options.mail ? createViews() : undefined;

  async function mail(idNat: string, text: { fr: string; en: string }): Promise<void> {
    const to = await options.mail!.contacts.address(idNat);
    if (!to) return;
    const fr = views!.t('fr');
    await options.mail!.mailer.send({
      to,
      subject: fr('notice.mail.subject'),
      text: `${fr('notice.mail.intro')}\n\n${text.fr}\n\n${fr('notice.mail.outro')}\n\n-- \n${text.en}\n`,
    });
  }

  return {
    async apply(event) {
      const notice = noticeOf(event);
      if (!notice) return;
      const { idNat, ...stored } = notice;
      await options.board.add(idNat, stored);
      if (!options.mail || !views) return;
      const sending = mail(idNat, { fr: noticeText(stored, views.t('fr')), en: noticeText(stored, views.t('en')) })
        .catch((err: Error) =>
          options.logger?.warn({ type: event.type, seq: event.seq, detail: err.message }, 'notice e-mail not sent (the notice is still shown at sign-in)'),
        )
        .finally(() => inFlight.delete(sending));
      inFlight.add(sending);
    },
    async drain() {
      await Promise.all([...inFlight]);
    },
  };
}
