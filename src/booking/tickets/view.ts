import type { Ticket } from '../../contract/booking.js';
import type { IssuedTicketRow } from './repository.js';

export type TicketView = Ticket;

export const ticketView = (t: IssuedTicketRow): TicketView => ({
  id: t.id,
  orderId: t.orderId,
  performanceId: t.performanceId,
  code: t.code,
  status: t.voidedAt ? 'void' : t.checkedInAt ? 'used' : 'valid',
  seatNo: t.seatNo,
  section: t.section,
  row: t.row,
  seat: t.seat,
  ...(t.standing ? { standing: true } : {}),
  grade: t.grade,
  price: t.price,
  checkedInAt: t.checkedInAt?.toISOString() ?? null,
  qrUrl: `/api/tickets/${t.id}/qr.svg`,
});
