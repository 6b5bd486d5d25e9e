import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { MailConfig } from '../src/platform/config.js';

/**
 * A real SMTP server for tests (the `smtp-server` package), keeping every message it accepts parsed
 * by `mailparser`. It can refuse chosen addresses for good (550 at RCPT TO) and be stopped and started
 * again on the same port, as an outage of the mail server.
 */
export class SmtpSink {
  readonly received: ParsedMail[] = [];
  readonly refused = new Set<string>();
  private server: SMTPServer | undefined;
  port = 0;

  async start(): Promise<this> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 20 * 1024 * 1024,
      // stop() is an outage: open connections are cut at once, not allowed to finish their session.
      closeTimeout: 10,
      onRcptTo: (address, _session, callback) => {
        if (this.refused.has(address.address.toLowerCase())) {
          const err = Object.assign(new Error('5.1.1 No such mailbox'), { responseCode: 550 });
          callback(err);
        } else callback();
      },
      onData: (stream, _session, callback) => {
        // keepCidLinks: the HTML as sent, with its `cid:` references, not images inlined as data URIs.
        simpleParser(stream, { keepCidLinks: true }).then(
          (mail) => {
            this.received.push(mail);
            callback();
          },
          (err: Error) => callback(err),
        );
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    server.on('error', () => undefined);
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** What arrived for `address`. */
  to(address: string): ParsedMail[] {
    return this.received.filter((m) => addressesOf(m).includes(address.toLowerCase()));
  }

  /** Waits (bounded) until `check` holds. */
  async until(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out waiting for mail');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export function addressesOf(mail: ParsedMail): string[] {
  const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
  return to.flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
}

/** A test app's mail settings: this sink, the worker on, quick retries. */
export function mailSettings(sink: SmtpSink | undefined, changes: Partial<MailConfig> = {}): MailConfig {
  return {
    smtpUrl: sink?.url,
    from: 'Tmomi <no-reply@tmomi.test>',
    ratePerSecond: 10_000,
    concurrency: 4,
    publicUrl: 'http://tmomi.test',
    worker: true,
    retry: { baseMs: 200, maxMs: 2_000, maxAttempts: 5 },
    ...changes,
  };
}
