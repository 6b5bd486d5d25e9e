import QRCode from 'qrcode';
import type { OrderService } from '../booking/orders/service.js';
import type { BroadcastRepository } from './broadcast-repository.js';
import type { ClaimedMessage } from './repository.js';
import * as templates from './templates.js';

export interface Attachment {
  filename: string;
  content: Buffer;
  contentType: string;
  /** Set for an image the HTML shows inline (`cid:`). */
  cid?: string;
}

export interface Letter extends templates.Rendered {
  attachments: Attachment[];
}

/** Undefined: there is nothing to say any more (the order or broadcast is gone); the message is dropped. */
export type RenderResult = Letter | undefined;

/**
 * Makes a claimed message's content: its text from the templates, and its attachments (each ticket's QR
 * code, the tickets PDF) made again on every attempt rather than stored, so 50,000 queued messages
 * cost rows of text, not megabytes of images.
 */
export class Renderer {
  constructor(
    private readonly deps: {
      orders: Pick<OrderService, 'forMail'>;
      broadcasts: Pick<BroadcastRepository, 'broadcastText' | 'performanceTitle'>;
      publicUrl: string;
    },
  ) {}

  /** A broadcast's text, read once per node while its 50,000 messages go out, not once per message. */
  private readonly broadcastTexts = new Map<string, ReturnType<BroadcastRepository['broadcastText']>>();

  private broadcastText(id: string) {
    let text = this.broadcastTexts.get(id);
    if (!text) {
      if (this.broadcastTexts.size >= 100) this.broadcastTexts.clear();
      text = this.deps.broadcasts.broadcastText(id);
      text.catch(() => this.broadcastTexts.delete(id));
      this.broadcastTexts.set(id, text);
    }
    return text;
  }

  /**
   * `attachments: false` when the message is only kept (no SMTP server): the QR images and the PDF are
   * the costly part (CPU a sale's requests need: a 20,000-buyer sale on this machine slowed to 503s
   * rendering 5,000 PDFs nobody would receive), and the Mail page shows only the text.
   */
  async render(m: ClaimedMessage, opts: { attachments: boolean }): Promise<RenderResult> {
    const data = m.data as Record<string, string | number | boolean | undefined>;
    switch (m.kind) {
      case 'order-confirmation': {
        const found = await this.deps.orders.forMail(String(data.orderId), {
          locale: m.locale,
          withPdf: opts.attachments,
        });
        if (!found) return undefined;
        const text = templates.orderConfirmation(found.order, found.holder, m.locale);
        if (!opts.attachments) return { ...text, attachments: [] };
        const live = found.order.tickets.filter((t) => t.status !== 'void');
        const qrs = await Promise.all(
          live.map(async (t) => ({
            filename: `ticket-${t.id}.png`,
            content: await QRCode.toBuffer(t.code, { type: 'png', margin: 1, width: 280 }),
            contentType: 'image/png',
            cid: templates.qrCid(t.id),
          })),
        );
        const pdf = found.pdf
          ? [
              {
                filename: `tickets-${found.order.id}.pdf`,
                content: found.pdf,
                contentType: 'application/pdf',
              },
            ]
          : [];
        return { ...text, attachments: [...qrs, ...pdf] };
      }
      case 'refund-receipt': {
        const found = await this.deps.orders.forMail(String(data.orderId), {
          locale: m.locale,
          withPdf: false,
        });
        if (!found) return undefined;
        const refund = { amount: Number(data.amount), partial: data.partial === true };
        return { ...templates.refundReceipt(found.order, refund, m.locale), attachments: [] };
      }
      case 'broadcast': {
        const b = m.broadcastId ? await this.broadcastText(m.broadcastId) : undefined;
        if (!b) return undefined;
        const [subject, body] = m.locale === 'ko' ? [b.subjectKo, b.bodyKo] : [b.subjectEn, b.bodyEn];
        return { ...templates.broadcast(subject, body, b.eventTitle, m.locale), attachments: [] };
      }
      case 'queue-turn': {
        const title = await this.deps.broadcasts.performanceTitle(String(data.performanceId));
        if (title === undefined) return undefined;
        const link = `${this.deps.publicUrl}/performances/${String(data.performanceId)}/queue`;
        const expiresAt = new Date(String(data.expiresAt));
        // A pass that has expired meanwhile (the server was down): the news is stale, so it is not sent.
        if (expiresAt.getTime() <= Date.now()) return undefined;
        return { ...templates.queueTurn(title, expiresAt, link, m.locale), attachments: [] };
      }
      case 'waitlist-offer': {
        const title = await this.deps.broadcasts.performanceTitle(String(data.performanceId));
        if (title === undefined) return undefined;
        const link = `${this.deps.publicUrl}/performances/${String(data.performanceId)}/waitlist`;
        const expiresAt = new Date(String(data.expiresAt));
        // An offer that has run out meanwhile has passed to the next entry: not sent.
        if (expiresAt.getTime() <= Date.now()) return undefined;
        return { ...templates.waitlistOffer(title, expiresAt, link, m.locale), attachments: [] };
      }
      case 'invitation': {
        const link = `${this.deps.publicUrl}/invitations/accept?token=${String(data.token)}`;
        const invitation = {
          organization: String(data.organization),
          inviter: String(data.inviter ?? ''),
          role: String(data.role) as 'owner' | 'manager' | 'staff',
        };
        return { ...templates.invitation(invitation, link, m.locale), attachments: [] };
      }
      case 'password-reset':
      case 'verify-email': {
        const path = m.kind === 'password-reset' ? 'reset-password' : 'verify-email';
        const link = `${this.deps.publicUrl}/${path}?token=${String(data.token)}`;
        return { ...templates.accountLink(m.kind, link, m.locale), attachments: [] };
      }
    }
  }
}
