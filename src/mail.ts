import nodemailer, { type Transporter } from 'nodemailer'
import type { Config, MailConfig } from './config.js'

/**
 * Outgoing mail (invitations, sign-in links) through the SMTP server of ATRIUM_SMTP_URL. Without
 * it nothing is sent: whoever asked for the link is shown it instead.
 */
export interface OutgoingMail {
  to: string
  subject: string
  text: string
}

/** What became of a mail: sent, not sent because no SMTP server is configured, or refused/unreachable. */
export type MailOutcome = { status: 'sent' } | { status: 'not_configured' } | { status: 'failed'; reason: string }

const transports = new WeakMap<MailConfig, Transporter>()

function transportFor(mail: MailConfig): Transporter {
  let transport = transports.get(mail)
  if (!transport) {
    // One connection per message (no pool): mail is rare, and nothing stays open between sends.
    transport = nodemailer.createTransport({ url: mail.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 })
    transports.set(mail, transport)
  }
  return transport
}

/**
 * Sends one plain-text mail. Never throws: a refused or unreachable SMTP server is reported as
 * `failed` with the server's reason, so the caller can still show the link.
 */
export async function sendMail(config: Config, mail: OutgoingMail): Promise<MailOutcome> {
  if (!config.mail) return { status: 'not_configured' }
  try {
    await transportFor(config.mail).sendMail({ from: config.mail.from, to: mail.to, subject: mail.subject, text: mail.text })
    return { status: 'sent' }
  } catch (err) {
    return { status: 'failed', reason: err instanceof Error ? err.message : String(err) }
  }
}
