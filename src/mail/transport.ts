import nodemailer from 'nodemailer';
import type { Letter } from './render.js';

/** Where a message goes: an SMTP server, or nowhere (no server configured: kept for the Mail page). */
export interface MailTransport {
  readonly delivering: boolean;
  send(m: { messageId: string; to: string; letter: Letter }): Promise<void>;
  close(): void;
}

/**
 * How an attempt failed: `permanent` when the server refused the address for good (SMTP 5xx on RCPT);
 * `serverDown` when no message could have gone (no connection, a timeout, 421 "service not available"),
 * so the others waiting would fail the same way.
 */
export class SendError extends Error {
  readonly permanent: boolean;
  readonly serverDown: boolean;

  constructor(opts: { message: string; permanent: boolean; serverDown: boolean }) {
    super(opts.message);
    this.permanent = opts.permanent;
    this.serverDown = opts.serverDown;
  }
}

/** nodemailer's codes for failures of the connection or the server, not of one message. */
const SERVER_DOWN_CODES = new Set([
  'ECONNECTION',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EAUTH',
  'EPROTOCOL',
]);

/**
 * nodemailer over a small pool of SMTP connections. Timeouts stay well under the claim's lease, so an
 * attempt always ends (sent or failed) before another node may take the message over.
 */
export function smtpTransport(opts: { url: string; from: string; connections: number }): MailTransport {
  const url = new URL(opts.url);
  const secure = url.protocol === 'smtps:';
  const transporter = nodemailer.createTransport({
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
    secure,
    auth:
      url.username === ''
        ? undefined
        : { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) },
    pool: true,
    maxConnections: opts.connections,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    delivering: true,
    async send({ messageId, to, letter }) {
      try {
        await transporter.sendMail({
          from: opts.from,
          to,
          messageId,
          subject: letter.subject,
          text: letter.text,
          html: letter.html,
          attachments: letter.attachments,
        });
      } catch (err) {
        const e = err as { responseCode?: number; command?: string; code?: string; message?: string };
        // A refused recipient is the address's fault and will not change; anything else (the server
        // down, a 4xx, a refused sender) is tried again.
        const permanent = (e.responseCode ?? 0) >= 500 && e.command === 'RCPT TO';
        const text = e.responseCode
          ? `${e.responseCode} ${e.message ?? ''}`
          : `${e.code ?? 'ERROR'} ${e.message ?? ''}`;
        const serverDown = e.responseCode === 421 || SERVER_DOWN_CODES.has(e.code ?? '');
        throw new SendError({ message: text.trim().slice(0, 500), permanent, serverDown });
      }
    },
    close: () => transporter.close(),
  };
}

/** No SMTP server: every message is made and kept, so that a newcomer sees what would have been sent. */
export const keepingTransport: MailTransport = {
  delivering: false,
  send: () => Promise.resolve(),
  close: () => undefined,
};
