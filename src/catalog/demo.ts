import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { Catalog } from './catalog.js';

const DAY = 86_400_000;

/**
 * What a newcomer sees on the first `npm start`: a venue, a tour and a performance already on sale.
 * Runs only in the embedded mode and only into an empty catalog, so a restart never adds a second copy.
 */
export async function seedDemo(catalog: Catalog, clock: Clock, logger: Logger): Promise<void> {
  if ((await catalog.events.searchEvents({ page: 1, pageSize: 1 })).total > 0) return;
  const venue = await catalog.venues.createVenue({
    name: 'KSPO Dome',
    address: '424 Olympic-ro, Songpa-gu, Seoul',
    sections: [
      { name: 'A', grade: 'VIP', rows: 10, seatsPerRow: 30 },
      { name: 'B', grade: 'R', rows: 20, seatsPerRow: 40 },
      { name: 'C', grade: 'S', rows: 30, seatsPerRow: 50 },
    ],
  });
  const prices = [
    { grade: 'VIP', amount: 165_000 },
    { grade: 'R', amount: 132_000 },
    { grade: 'S', amount: 99_000 },
  ];
  const now = clock.now();
  const tours = [
    { title: '아이유 콘서트 HER', artist: '아이유' },
    { title: 'IU HER Tour', artist: 'IU' },
  ];
  for (const tour of tours) {
    const event = await catalog.events.createEvent({
      ...tour,
      category: 'concert',
      description: 'A demo event created by the first start of Tmomi.',
      venueId: venue.id,
      prices,
    });
    await catalog.performances.createPerformance(event.id, {
      startsAt: new Date(now + 8 * DAY).toISOString(),
      salesOpenAt: new Date(now - 60_000).toISOString(),
      salesCloseAt: new Date(now + 7 * DAY).toISOString(),
      holdTtlSeconds: 300,
      maxTicketsPerUser: 4,
      queue: {
        enabled: true,
        mode: 'fifo',
        prequeueMinutes: 30,
        admitPerSecond: 20,
        maxActive: 200,
        passTtlSeconds: 600,
      },
    });
  }
  logger.info({ venue: venue.name, seats: venue.seatCount }, 'demo events created');
}
