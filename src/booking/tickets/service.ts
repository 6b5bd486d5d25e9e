import type { DoorCount } from '../../contract/booking.js';
import { AppError } from '../../contract/errors.js';
import type { PerformanceRow } from '../../inventory/performance.js';
import type { Clock } from '../../platform/clock.js';
import type { TicketCodes } from '../codes.js';
import type { BookingMetrics } from '../metrics.js';
import type { TicketRepository } from './repository.js';
import { ticketView, type TicketView } from './view.js';

export interface TicketServiceOptions {
  repository: TicketRepository;
  /** The performance a door admits to (PERFORMANCE_NOT_FOUND for an unknown one). */
  performance: (id: string) => Promise<PerformanceRow>;
  codes: TicketCodes;
  metrics: BookingMetrics;
  clock: Clock;
}

/** Issued tickets: the buyer reads theirs; the door of a performance checks its codes in, once. */
export class TicketService {
  constructor(private readonly deps: TicketServiceOptions) {}

  async ticket(ticketId: string, userId: string): Promise<TicketView> {
    const ticket = await this.deps.repository.findTicket(ticketId);
    if (!ticket || ticket.userId !== userId) throw new AppError('TICKET_NOT_FOUND', undefined, { ticketId });
    return ticketView(ticket);
  }

  /**
   * Door scanning for one performance by a steward (the staff member's or admin's account, recorded on
   * the ticket): a forged code is unknown without asking the database, and so is another
   * organization's ticket; a valid one of this performance admits once, and says where to sit.
   */
  async checkIn(code: string, performanceId: string, stewardId: string): Promise<TicketView> {
    const { repository, codes, metrics, clock } = this.deps;
    await this.deps.performance(performanceId);
    if (!codes.isGenuine(code)) {
      metrics.checkins.inc({ outcome: 'unknown' });
      throw new AppError('TICKET_NOT_FOUND');
    }
    const result = await repository.checkIn(code, performanceId, stewardId, new Date(clock.now()));
    metrics.checkins.inc({ outcome: result.outcome });
    switch (result.outcome) {
      case 'admitted':
        return ticketView(result.ticket);
      case 'wrong-performance':
        throw new AppError('WRONG_PERFORMANCE', undefined, {
          performanceId: result.ticket.performanceId,
          startsAt: result.startsAt.toISOString(),
        });
      case 'used':
        throw new AppError('ALREADY_CHECKED_IN', undefined, {
          checkedInAt: result.ticket.checkedInAt?.toISOString(),
          section: result.ticket.section,
          row: result.ticket.row,
          seat: result.ticket.seat,
          ...(result.ticket.standing ? { standing: true } : {}),
        });
      case 'void':
        throw new AppError('TICKET_VOID');
      case 'unknown':
        throw new AppError('TICKET_NOT_FOUND');
    }
  }

  /** How many of the performance's tickets have come through the door, of those sold. */
  async doorCount(performanceId: string): Promise<DoorCount> {
    const performance = await this.deps.performance(performanceId);
    const { checkedIn, sold } = await this.deps.repository.doorCount(performanceId);
    return { performanceId, startsAt: performance.startsAt.toISOString(), checkedIn, sold };
  }
}
