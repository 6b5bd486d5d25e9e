import { AppError } from '../../contract/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { TicketCodes } from '../codes.js';
import type { BookingMetrics } from '../metrics.js';
import type { TicketRepository } from './repository.js';
import { ticketView, type TicketView } from './view.js';

export interface TicketServiceOptions {
  repository: TicketRepository;
  codes: TicketCodes;
  metrics: BookingMetrics;
  clock: Clock;
}

/** Issued tickets: the buyer reads theirs; the door checks a code in, once. */
export class TicketService {
  constructor(private readonly deps: TicketServiceOptions) {}

  async ticket(ticketId: string, userId: string): Promise<TicketView> {
    const ticket = await this.deps.repository.findTicket(ticketId);
    if (!ticket || ticket.userId !== userId) throw new AppError('TICKET_NOT_FOUND', undefined, { ticketId });
    return ticketView(ticket);
  }

  /** Door scanning: a forged code is unknown without asking the database; a valid one admits once. */
  async checkIn(code: string): Promise<TicketView> {
    const { repository, codes, metrics, clock } = this.deps;
    if (!codes.isGenuine(code)) {
      metrics.checkins.inc({ outcome: 'unknown' });
      throw new AppError('TICKET_NOT_FOUND');
    }
    const { outcome, ticket } = await repository.checkIn(code, new Date(clock.now()));
    metrics.checkins.inc({ outcome });
    switch (outcome) {
      case 'admitted':
        return ticketView(ticket!);
      case 'used':
        throw new AppError('ALREADY_CHECKED_IN', undefined, {
          checkedInAt: ticket!.checkedInAt?.toISOString(),
        });
      case 'void':
        throw new AppError('TICKET_VOID');
      case 'unknown':
        throw new AppError('TICKET_NOT_FOUND');
    }
  }
}
