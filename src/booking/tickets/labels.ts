import type { Order, Ticket } from '../../contract/booking.js';

// What a printed ticket says, in the buyer's language: the words only, no drawing.

export type TicketLocale = 'ko' | 'en';

// Venues carry no time zone yet and every one is in Korea; the zone is printed beside the time so a
// buyer reading the ticket abroad is not misled by their own clock.
const VENUE_TIME_ZONE = 'Asia/Seoul';

// The same Intl locales the web app formats with, so the PDF and the site agree on every date and price.
const INTL_LOCALE: Record<TicketLocale, string> = { ko: 'ko-KR', en: 'en-GB' };
export const intlLocale = (locale: TicketLocale) => INTL_LOCALE[locale];

const WORDS = {
  ko: {
    ticket: '입장권',
    standing: (area: string) => `${area} 스탠딩`,
    when: '일시',
    venue: '장소',
    seat: '좌석',
    grade: '등급',
    price: '가격',
    holder: '예매자',
    order: '주문 번호',
    code: '티켓 코드',
    used: '입장 처리된 티켓입니다',
    show: '입장할 때 이 QR 코드를 보여 주세요',
    documentTitle: (title: string) => `${title} 티켓`,
  },
  en: {
    ticket: 'Ticket',
    standing: (area: string) => `Standing · ${area}`,
    when: 'Date',
    venue: 'Venue',
    seat: 'Seat',
    grade: 'Grade',
    price: 'Price',
    holder: 'Holder',
    order: 'Order',
    code: 'Ticket code',
    used: 'This ticket has already been checked in',
    show: 'Show this QR code at the door',
    documentTitle: (title: string) => `Tickets: ${title}`,
  },
} as const;

export const words = (locale: TicketLocale) => WORDS[locale];

/**
 * Where to sit, as a person reads it: "B구역 8열 20번", "Section B · Row 8 · Seat 20"; a standing place
 * only its area: "Floor 스탠딩", "Standing · Floor".
 */
export function seatLabel(
  ticket: Pick<Ticket, 'section' | 'row' | 'seat' | 'standing'>,
  locale: TicketLocale,
): string {
  if (ticket.standing) return WORDS[locale].standing(ticket.section);
  switch (locale) {
    case 'ko':
      return `${ticket.section}구역 ${ticket.row}열 ${ticket.seat}번`;
    case 'en':
      return `Section ${ticket.section} · Row ${ticket.row} · Seat ${ticket.seat}`;
  }
}

/** The performance's start in the venue's time zone, the zone named: "2026년 12월 24일 목 19:00 한국 표준시". */
export function performanceTime(performance: Order['performance'], locale: TicketLocale): string {
  return new Intl.DateTimeFormat(intlLocale(locale), {
    timeZone: VENUE_TIME_ZONE,
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'long',
  }).format(new Date(performance.startsAt));
}

/** Prices are whole units of the order's currency, as the web app shows them. */
export function money(amount: number, currency: string, locale: TicketLocale): string {
  return new Intl.NumberFormat(intlLocale(locale), {
    style: 'currency',
    currency,
    maximumFractionDigits: 0,
  }).format(amount);
}
