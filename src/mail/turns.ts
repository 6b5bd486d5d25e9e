import type { Logger } from '../platform/logger.js';
import type { TurnNotices } from '../queue/turn-notices.js';
import type { MailRepository } from './repository.js';

/** How long a notice waits for a stream or a poll to show the buyer their pass before it is sent. */
export const TURN_NOTICE_DELAY_MS = 15_000;
const REMEMBERED = 10_000;

/** "It's your turn" mail: queued at admission, cancelled by whichever node shows the buyer the pass. */
export class TurnMail implements TurnNotices {
  /** Passes this node already cancelled a notice for: a stream's refreshes do not each write. */
  private readonly cancelled = new Set<string>();

  constructor(
    private readonly deps: {
      repository: Pick<MailRepository, 'enqueueTurns' | 'cancelTurn'>;
      logger: Logger;
      delayMs?: number;
    },
  ) {}

  admitted(performanceId: string, entries: { userId: string; passId: number; expiresAt: number }[]) {
    return this.deps.repository.enqueueTurns(
      performanceId,
      entries,
      this.deps.delayMs ?? TURN_NOTICE_DELAY_MS,
    );
  }

  seen(performanceId: string, userId: string, passId: number): void {
    const key = `${performanceId}:${passId}`;
    if (this.cancelled.has(key)) return;
    if (this.cancelled.size >= REMEMBERED) this.cancelled.clear();
    this.cancelled.add(key);
    this.deps.repository
      .cancelTurn(performanceId, userId, passId)
      .catch((err: unknown) => this.deps.logger.warn({ err, performanceId }, 'turn notice not cancelled'));
  }
}
