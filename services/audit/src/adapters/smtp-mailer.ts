import nodemailer from 'nodemailer';
import type { Mailer } from '../domain/ports.ts';

/**
 * How the connection to the SMTP server is protected: `tls` from the first byte (port 465,
 * `smtps://`), `starttls` upgraded before anything is sent and refused if the server cannot
 * (`requireTLS`), `none` for a local relay only (plain text unless the server offers STARTTLS).
 */
export type SmtpSecurity = 'tls' | 'starttls' | 'none';

/** The security an SMTP URL implies when `SMTP_SECURE` is not set. */
export function defaultSmtpSecurity(smtpUrl: string): SmtpSecurity {
  return new URL(smtpUrl).protocol === 'smtps:' ? 'tls' : 'starttls';
}

/** `Mailer` over SMTP with nodemailer (`smtp://user:pass@host:port`, `smtps://` for TLS). */
export function createSmtpMailer(
  smtpUrl: string,
  security: SmtpSecurity = defaultSmtpSecurity(smtpUrl),
): Mailer & { close(): void } {
  // Opportunistic STARTTLS (nodemailer's default) sends the password and the failures in the clear
  // to anyone who strips the STARTTLS offer on the way: it is required unless the admin said none.
  // (The URL's scheme sets `secure`: smtps:// is TLS from the first byte.)
  const transport = nodemailer.createTransport({ url: smtpUrl, requireTLS: security === 'starttls' });
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
