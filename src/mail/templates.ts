import type { Order } from '../contract/booking.js';
import type { Locale } from '../contract/mail.js';
import { money, performanceTime, seatLabel } from '../booking/tickets/labels.js';

// What each email says, in Korean and English: plain text, and the same in HTML. Pure functions of
// their input, so a message renders the same on every attempt and every node.

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Paragraphs of plain text as HTML paragraphs, escaped. */
const paragraphs = (text: string) =>
  text
    .split(/\n{2,}/)
    .map((p) => `<p>${escape(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');

function page(locale: Locale, title: string, inner: string): string {
  return `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body style="font-family:sans-serif;color:#111;max-width:560px;margin:auto">
<h1 style="font-size:20px">${escape(title)}</h1>
${inner}
<p style="color:#666;font-size:12px">Tmomi</p>
</body></html>`;
}

const WORDS = {
  en: {
    confirmed: (title: string) => `Your tickets: ${title}`,
    thanks: (name: string) => `Thank you, ${name}. Your order is confirmed.`,
    order: 'Order',
    total: 'Total',
    when: 'Date',
    venue: 'Venue',
    showQr: 'Show the QR code of each ticket at the door. The tickets are attached as a PDF too.',
    refund: (title: string) => `Refund receipt: ${title}`,
    refunded: (amount: string, partial: boolean) =>
      partial
        ? `We refunded ${amount} for part of your order.`
        : `We refunded ${amount}: your order is cancelled.`,
    refundNote: 'The refund goes back to the card you paid with.',
    turn: (title: string) => `It's your turn: ${title}`,
    turnBody: (until: string) => `Your turn in the waiting room has come. Pick your seats before ${until}.`,
    offer: (title: string) => `Seats for you from the waiting list: ${title}`,
    offerBody: (until: string) =>
      `Seats came back and are held for you until ${until}. Pay for them by then, or they pass to the next person on the list.`,
    open: 'Open Tmomi',
    reset: 'Reset your Tmomi password',
    resetBody:
      'Someone (we hope you) asked to reset the password of your Tmomi account. This link works once, for one hour:',
    resetIgnore: 'If it was not you, ignore this email: your password stays as it is.',
    verify: 'Confirm your email address',
    verifyBody: 'Confirm that this address is yours with this link (it works once, for two days):',
    moved: (title: string) => `New date: ${title}`,
    movedBody: (from: string, to: string) =>
      `The performance of ${from} moves to ${to}. Your tickets are valid for the new date as they are.`,
    cancelled: (title: string) => `Cancelled: ${title}`,
    invited: (organization: string) => `You are invited to join ${organization} on Tmomi`,
    invitedBody: (inviter: string, organization: string, role: string) =>
      `${inviter || 'An owner'} invites you to join ${organization} on Tmomi as ${role}. Accept with this link (it works once, for seven days); if you have no Tmomi account yet, sign up with this email address first:`,
    invitedIgnore: 'If you do not expect this invitation, ignore this email.',
    roles: { owner: 'an owner', manager: 'a manager', staff: 'door staff' },
    cancelledBody: (when: string, reason: string) =>
      `We are sorry: the performance of ${when} is cancelled.\n\n${reason}\n\nYour order is refunded in full, to the card you paid with; a receipt follows.`,
  },
  ko: {
    confirmed: (title: string) => `예매 완료: ${title}`,
    thanks: (name: string) => `${name}님, 예매가 완료되었습니다.`,
    order: '주문 번호',
    total: '합계',
    when: '일시',
    venue: '장소',
    showQr: '입장할 때 티켓마다 QR 코드를 보여 주세요. 티켓 PDF도 첨부되어 있습니다.',
    refund: (title: string) => `환불 영수증: ${title}`,
    refunded: (amount: string, partial: boolean) =>
      partial
        ? `주문의 일부에 대해 ${amount}을 환불했습니다.`
        : `${amount}을 환불했습니다. 주문이 취소되었습니다.`,
    refundNote: '환불 금액은 결제한 카드로 돌아갑니다.',
    turn: (title: string) => `입장 차례입니다: ${title}`,
    turnBody: (until: string) => `대기열에서 차례가 되었습니다. ${until}까지 좌석을 선택하세요.`,
    offer: (title: string) => `대기자 명단에서 좌석이 준비되었습니다: ${title}`,
    offerBody: (until: string) =>
      `좌석이 돌아와 ${until}까지 회원님께 잡아 두었습니다. 그때까지 결제하지 않으면 명단의 다음 분께 넘어갑니다.`,
    open: 'Tmomi 열기',
    reset: 'Tmomi 비밀번호 재설정',
    resetBody:
      'Tmomi 계정의 비밀번호 재설정이 요청되었습니다. 아래 링크는 한 시간 동안 한 번만 쓸 수 있습니다:',
    resetIgnore: '요청하지 않았다면 이 메일을 무시하세요. 비밀번호는 바뀌지 않습니다.',
    verify: '이메일 주소 확인',
    verifyBody: '아래 링크로 이 주소가 본인의 것임을 확인해 주세요 (이틀 동안 한 번만 쓸 수 있습니다):',
    moved: (title: string) => `일정 변경: ${title}`,
    movedBody: (from: string, to: string) =>
      `${from} 공연이 ${to}(으)로 변경되었습니다. 가지고 계신 티켓은 바뀐 일정에 그대로 유효합니다.`,
    cancelled: (title: string) => `공연 취소: ${title}`,
    invited: (organization: string) => `${organization} 팀에 초대되었습니다`,
    invitedBody: (inviter: string, organization: string, role: string) =>
      `${inviter ? `${inviter}님이` : '소유자가'} Tmomi의 ${organization} 팀에 ${role}(으)로 초대했습니다. 아래 링크로 수락하세요 (7일 동안 한 번만 쓸 수 있습니다). 아직 Tmomi 계정이 없다면 이 이메일 주소로 먼저 가입하세요:`,
    invitedIgnore: '초대를 기다리고 있지 않았다면 이 메일을 무시하세요.',
    roles: { owner: '소유자', manager: '매니저', staff: '입장 스태프' },
    cancelledBody: (when: string, reason: string) =>
      `죄송합니다. ${when} 공연이 취소되었습니다.\n\n${reason}\n\n주문 금액 전액을 결제한 카드로 환불해 드리며, 환불 영수증을 따로 보내 드립니다.`,
  },
} as const;

/** The content id of a ticket's QR image, as the HTML part refers to it (`cid:`). */
export const qrCid = (ticketId: string) => `qr-${ticketId}@tmomi`;

export function orderConfirmation(order: Order, holder: string, locale: Locale): Rendered {
  const w = WORDS[locale];
  const tickets = order.tickets.filter((t) => t.status !== 'void');
  const when = performanceTime(order.performance, locale);
  const venue = [order.venue.name, order.venue.address].filter(Boolean).join(', ');
  const total = money(order.total, order.currency, locale);
  const subject = w.confirmed(order.event.title);
  const text = [
    w.thanks(holder),
    '',
    order.event.title,
    `${w.when}: ${when}`,
    `${w.venue}: ${venue}`,
    `${w.order}: ${order.id} · ${w.total}: ${total}`,
    '',
    ...tickets.map((t) => `- ${seatLabel(t, locale)} (${t.grade}) ${t.code}`),
    '',
    w.showQr,
  ].join('\n');
  const rows = tickets
    .map(
      (
        t,
      ) => `<tr><td style="padding:8px 0"><strong>${escape(seatLabel(t, locale))}</strong><br>${escape(t.grade)} · ${escape(
        money(t.price, order.currency, locale),
      )}<br><code>${escape(t.code)}</code></td>
<td><img src="cid:${qrCid(t.id)}" width="140" height="140" alt="QR ${escape(t.code)}"></td></tr>`,
    )
    .join('\n');
  const html = page(
    locale,
    subject,
    `<p>${escape(w.thanks(holder))}</p>
<p><strong>${escape(order.event.title)}</strong><br>${escape(w.when)}: ${escape(when)}<br>${escape(w.venue)}: ${escape(venue)}<br>
${escape(w.order)}: ${escape(order.id)} · ${escape(w.total)}: ${escape(total)}</p>
<table>${rows}</table>
<p>${escape(w.showQr)}</p>`,
  );
  return { subject, text, html };
}

export function refundReceipt(
  order: Order,
  refund: { amount: number; partial: boolean },
  locale: Locale,
): Rendered {
  const w = WORDS[locale];
  const amount = money(refund.amount, order.currency, locale);
  const subject = w.refund(order.event.title);
  const lines = [
    w.refunded(amount, refund.partial),
    `${order.event.title} · ${performanceTime(order.performance, locale)}`,
    `${w.order}: ${order.id}`,
    w.refundNote,
  ];
  return {
    subject,
    text: lines.join('\n'),
    html: page(locale, subject, lines.map((l) => `<p>${escape(l)}</p>`).join('\n')),
  };
}

/** "Seats for you": a waiting list offer (decision 028), to pay for by `expiresAt`. */
export function waitlistOffer(title: string, expiresAt: Date, link: string, locale: Locale): Rendered {
  return queueTurn(title, expiresAt, link, locale, 'offer');
}

export function queueTurn(
  title: string,
  expiresAt: Date,
  link: string,
  locale: Locale,
  what: 'turn' | 'offer' = 'turn',
): Rendered {
  const w = WORDS[locale];
  const until = new Intl.DateTimeFormat(locale === 'ko' ? 'ko-KR' : 'en-GB', {
    timeZone: 'Asia/Seoul',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).format(expiresAt);
  const [subject, body] =
    what === 'turn' ? [w.turn(title), w.turnBody(until)] : [w.offer(title), w.offerBody(until)];
  const text = `${body}\n\n${link}`;
  return {
    subject,
    text,
    html: page(
      locale,
      subject,
      `<p>${escape(body)}</p><p><a href="${escape(link)}">${escape(w.open)}</a></p>`,
    ),
  };
}

export function accountLink(
  purpose: 'password-reset' | 'verify-email',
  link: string,
  locale: Locale,
): Rendered {
  const w = WORDS[locale];
  const subject = purpose === 'password-reset' ? w.reset : w.verify;
  const lines = purpose === 'password-reset' ? [w.resetBody, link, w.resetIgnore] : [w.verifyBody, link];
  const html = lines
    .map((l) => (l === link ? `<p><a href="${escape(link)}">${escape(link)}</a></p>` : `<p>${escape(l)}</p>`))
    .join('\n');
  return { subject, text: lines.join('\n\n'), html: page(locale, subject, html) };
}

/** An invitation into an organization: who invites, to what, as what, and the link that accepts. */
export function invitation(
  i: { organization: string; inviter: string; role: 'owner' | 'manager' | 'staff' },
  link: string,
  locale: Locale,
): Rendered {
  const w = WORDS[locale];
  const subject = w.invited(i.organization);
  const lines = [w.invitedBody(i.inviter, i.organization, w.roles[i.role]), link, w.invitedIgnore];
  const html = lines
    .map((l) => (l === link ? `<p><a href="${escape(link)}">${escape(link)}</a></p>` : `<p>${escape(l)}</p>`))
    .join('\n');
  return { subject, text: lines.join('\n\n'), html: page(locale, subject, html) };
}

/** An organizer's message, as they wrote it, in the holder's language. */
export function broadcast(subject: string, body: string, eventTitle: string, locale: Locale): Rendered {
  return {
    subject,
    text: `${body}\n\n— ${eventTitle}`,
    html: page(locale, subject, `${paragraphs(body)}\n<p>— ${escape(eventTitle)}</p>`),
  };
}

/** A notice to every holder of a performance, as a broadcast's text in each language. */
export type PerformanceNotice =
  | { kind: 'performance-changed'; title: string; from: string; to: string }
  | { kind: 'performance-cancelled'; title: string; startsAt: string; reason: string };

export function performanceNotice(n: PerformanceNotice): Record<Locale, { subject: string; body: string }> {
  const when = (iso: string, locale: Locale) =>
    performanceTime({ id: '', startsAt: iso, refundUntil: iso }, locale);
  const text = (locale: Locale) => {
    const w = WORDS[locale];
    return n.kind === 'performance-changed'
      ? { subject: w.moved(n.title), body: w.movedBody(when(n.from, locale), when(n.to, locale)) }
      : { subject: w.cancelled(n.title), body: w.cancelledBody(when(n.startsAt, locale), n.reason) };
  };
  return { en: text('en'), ko: text('ko') };
}
