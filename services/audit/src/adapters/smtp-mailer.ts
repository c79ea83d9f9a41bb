import nodemailer from 'nodemailer';
import type { Mailer } from '../ports.ts';

/** `Mailer` over SMTP with nodemailer (`smtp://user:pass@host:port`, `smtps://` for TLS). */
export function createSmtpMailer(smtpUrl: string): Mailer & { close(): void } {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(message) {
      await transport.sendMail({
        from: message.from,
        to: [...message.to],
        subject: message.subject,
        text: message.text,
      });
    },
    close: () => transport.close(),
  };
}
