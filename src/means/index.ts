/**
 * The means lifecycle (RIE): key age (webauthn/key-age.ts), expired keys noted once, notices of
 * every change to a clinician's means (at sign-in, and by e-mail through the establishment's
 * SMTP relay to an address verified with a one-time code).
 */
import type { Config } from '../config/index.ts';
import type { KeyNames } from '../store/key-names.ts';
import type { Store } from '../store/store.ts';
import { createContactBook, type ContactBook } from './contact.ts';
import { createMailer, type Mailer } from './mailer.ts';
import { createNoticeBoard, type NoticeBoard } from './notices.ts';
import { createNoticeFeed, type NoticeFeed, type NoticeLogger } from './notice-feed.ts';

export { noteExpiredKeys } from './expired-keys.ts';
export { createNoticeBoard, noticeOf, MEANS_CHANGES, type MeansChange, type Notice, type NoticeBoard } from './notices.ts';
export { noticeText } from './notice-text.ts';
export { createContactBook, emailAddress, MAX_CODE_ATTEMPTS, type CodeCheck, type ContactBook } from './contact.ts';
export { createMailer, MailError, type Mailer, type OutgoingMail } from './mailer.ts';

export interface MeansNotices {
  board: NoticeBoard;
  contacts: ContactBook;
  /** Undefined when mail.smtp.host is not set. */
  mailer: Mailer | undefined;
  feed: NoticeFeed;
  /** Waits for mails under way and closes the SMTP transport. */
  close(): Promise<void>;
}

/** `secret` keys the HMAC of verification codes (the audit MAC key: never in Redis). */
export function createMeansNotices(config: Pick<Config, 'mail'>, store: Store, keyNames: KeyNames, secret: string, logger?: NoticeLogger): MeansNotices {
  const board = createNoticeBoard(store, keyNames);
  const contacts = createContactBook(store, keyNames, config, secret);
  const mailer = createMailer(config);
  const feed = createNoticeFeed({ board, mail: mailer ? { mailer, contacts } : undefined, logger });
  return {
    board,
    contacts,
    mailer,
    feed,
    async close() {
      await feed.drain();
      mailer?.close();
    },
  };
}
