import { describe, expect, it } from 'vitest';
import type { Order, Ticket } from '../../contract/booking.js';
import { AppError } from '../../contract/errors.js';
import { pdfText } from '../../../test/pdf-text.js';
import { ticketsPdf } from './pdf.js';

/** Codes shaped like real ones (codes.ts); the PDF prints whatever it is given. */
const code = (n: number) => `TAbCdEfGhIjKlMnOpQrS${n}.0123456789abcdef`;

function ticket(n: number, status: Ticket['status']): Ticket {
  return {
    id: String(100 + n),
    orderId: '42',
    performanceId: '7',
    code: code(n),
    status,
    seatNo: 600 + n,
    section: 'B',
    row: '8',
    seat: String(20 + n),
    grade: 'VIP',
    price: 132_000,
    checkedInAt: status === 'used' ? '2026-12-24T09:40:00.000Z' : null,
    qrUrl: `/api/tickets/${100 + n}/qr.svg`,
  };
}

function order(tickets: Ticket[], title = '아이유 콘서트'): Order {
  return {
    id: '42',
    holdId: '9',
    performanceId: '7',
    seatNos: tickets.map((t) => t.seatNo),
    amount: 132_000 * tickets.length,
    total: 132_000 * tickets.length,
    refundedAmount: 0,
    currency: 'KRW',
    status: 'paid',
    reason: null,
    createdAt: '2026-11-01T03:04:05.000Z',
    performance: { id: '7', startsAt: '2026-12-24T10:00:00.000Z', refundUntil: '2026-12-23T15:00:00.000Z' },
    event: { id: '3', title },
    venue: { name: '잠실 실내체육관', address: '서울특별시 송파구 올림픽로 25' },
    tickets,
    refunds: [],
  };
}

const mixed = order([ticket(0, 'valid'), ticket(1, 'used'), ticket(2, 'void')]);

describe('the tickets PDF', () => {
  it('when an order has a valid, a used and a void ticket, then each of the first two has a page, in Korean', async () => {
    const { pages, info } = await pdfText(await ticketsPdf(mixed, { holder: '김민지', locale: 'ko' }));

    expect(pages).toHaveLength(2);
    for (const text of [
      '아이유 콘서트',
      '2026년 12월 24일',
      '19:00 한국 표준시',
      '잠실 실내체육관',
      '올림픽로 25',
    ])
      expect(pages[0]).toContain(text);
    for (const text of ['B구역 8열 20번', 'VIP', '₩132,000', '김민지', '42', code(0)])
      expect(pages[0]).toContain(text);
    expect(pages[1]).toContain('B구역 8열 21번');
    expect(pages[1]).toContain(code(1));
    expect(pages[1]).toContain('입장 처리된 티켓입니다');
    expect(pages.join('\n')).not.toContain(code(2));
    expect(pages.join('\n')).not.toContain('B구역 8열 22번');
    expect(info).toMatchObject({
      Title: '아이유 콘서트 티켓',
      Author: 'Tmomi',
      CreationDate: 'D:20261101030405Z',
    });
  });

  it('when the buyer reads English, then the labels, seat and date are English and the title stays Hangul', async () => {
    const { pages } = await pdfText(await ticketsPdf(mixed, { holder: 'Kim Minji', locale: 'en' }));

    expect(pages).toHaveLength(2);
    for (const text of [
      '아이유 콘서트',
      'Section B · Row 8 · Seat 20',
      '24 December 2026',
      'Korean Standard Time',
    ])
      expect(pages[0]).toContain(text);
    for (const text of ['Grade', 'Price', 'Holder', 'Kim Minji', code(0)]) expect(pages[0]).toContain(text);
    expect(pages[1]).toContain('Section B · Row 8 · Seat 21');
    expect(pages[1]).toContain('already been checked in');
  });

  it('when every ticket of the order is void, then there is nothing to print: TICKET_VOID (409)', async () => {
    const refunded = order([ticket(0, 'void'), ticket(1, 'void')]);

    const err = await ticketsPdf(refunded, { holder: '김민지', locale: 'ko' }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'TICKET_VOID', status: 409, details: { orderId: '42' } });
  });

  it('when the title and address run long, then they shorten and each ticket still keeps to one page', async () => {
    const long = { ...order([ticket(0, 'valid'), ticket(1, 'valid')], '아이유 콘서트 '.repeat(40)) };
    long.venue = {
      name: '잠실 실내체육관 '.repeat(10),
      address: '서울특별시 송파구 올림픽로 25 '.repeat(10),
    };

    const { pages } = await pdfText(await ticketsPdf(long, { holder: '김'.repeat(200), locale: 'ko' }));

    expect(pages).toHaveLength(2);
    expect(pages[1]).toContain(code(1));
  });

  it('when an order has four tickets, then the same order gives the same bytes, and the fonts are subset', async () => {
    const four = order([0, 1, 2, 3].map((n) => ticket(n, 'valid')));

    const first = await ticketsPdf(four, { holder: '김민지', locale: 'ko' });
    const second = await ticketsPdf(four, { holder: '김민지', locale: 'ko' });

    expect(second.equals(first)).toBe(true);
    // NanumGothic is 2 MB a weight; embedded whole, the file would be over 4 MB.
    expect(first.length).toBeLessThan(100_000);
  });
});
