/**
 * Sending e-mail through the establishment's SMTP relay (nodemailer): one transport per
 * process, STARTTLS required unless the configuration says otherwise (production refuses
 * that), bounded timeouts. Undefined when mail.smtp.host is not set: no e-mail at all.
 * Addresses and codes never reach a log line: failures are reported by their SMTP code only.
 */
import nodemailer from 'nodemailer';
import type { Config } from '../config/index.ts';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** A send that failed, described without the address or the content. */
export class MailError extends Error {
  constructor(detail: string, options?: ErrorOptions) {
    super(`SMTP relay refused or did not answer: ${detail}`, options);
    this.name = 'MailError';
  }
}

export function createMailer(config: Pick<Config, 'mail'>): Mailer | undefined {
  const smtp = config.mail.smtp;
  if (!smtp.host) return undefined;
  const timeout = smtp.timeoutSeconds * 1000;
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: !smtp.secure && smtp.requireTls,
    ignoreTLS: !smtp.secure && !smtp.requireTls,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    logger: false,
    debug: false,
  });
  return {
    async send(mail) {
      try {
        await transport.sendMail({ from: smtp.from, to: mail.to, subject: mail.subject, text: mail.text });
      } catch (err) {
        const e = err as { code?: string; responseCode?: number };
        throw new MailError([e.code, e.responseCode].filter(Boolean).join(' ') || 'unknown error', { cause: err });
      }
    },
    close: () => transport.close(),
  };
}
