import type { IssuedTicketRow } from './repository.js';

export interface TicketView {
  id: string;
  orderId: string;
  performanceId: string;
  seatNo: number;
  code: string;
  status: 'valid' | 'used' | 'void';
  checkedInAt: string | null;
  qrUrl: string;
}

export const ticketView = (t: IssuedTicketRow): TicketView => ({
  id: t.id,
  orderId: t.orderId,
  performanceId: t.performanceId,
  seatNo: t.seatNo,
  code: t.code,
  status: t.voidedAt ? 'void' : t.checkedInAt ? 'used' : 'valid',
  checkedInAt: t.checkedInAt?.toISOString() ?? null,
  qrUrl: `/api/tickets/${t.id}/qr.svg`,
});
