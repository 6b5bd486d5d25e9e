import { gradesOf } from '../contract/layout.js';
import type { PerformanceRow, SaleState } from '../inventory/performance.js';
import type { EventRow, PriceRow } from './event-repository.js';
import type { VenueRow } from './venue-repository.js';

// What the catalog's endpoints answer, made from the rows: never a row as it is (schemas.ts has the shapes).

export function toVenue(v: VenueRow) {
  return {
    id: v.id,
    name: v.name,
    address: v.address,
    seatCount: v.seatCount,
    grades: gradesOf(v.plan),
    organizationId: v.organizationId,
    createdAt: v.createdAt.toISOString(),
  };
}

/** The seat map: the plan as stored (a version 2 plan with its areas, stage, labels and bounds). */
export function toSeatMap(v: VenueRow) {
  const { version, sections, standing, stage, labels, bounds } = v.plan;
  return {
    venueId: v.id,
    name: v.name,
    seatCount: v.seatCount,
    sections,
    ...(version === 2 ? { version, standing: standing ?? [], labels: labels ?? [], bounds } : {}),
    ...(stage ? { stage } : {}),
  };
}

export function toEvent(e: EventRow, prices: PriceRow[]) {
  return {
    id: e.id,
    venueId: e.venueId,
    organizationId: e.organizationId,
    title: e.title,
    artist: e.artist,
    category: e.category,
    description: e.description,
    imageUrl: e.imageUrl,
    currency: e.currency,
    prices,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

export function toPerformance(p: PerformanceRow, saleState: SaleState) {
  return {
    id: p.id,
    eventId: p.eventId,
    venueId: p.venueId,
    startsAt: p.startsAt.toISOString(),
    salesOpenAt: p.salesOpenAt.toISOString(),
    salesCloseAt: p.salesCloseAt.toISOString(),
    refundUntil: p.refundUntil.toISOString(),
    holdTtlSeconds: p.holdTtlSeconds,
    maxTicketsPerUser: p.maxTicketsPerUser,
    ...(p.waitlistClaimSeconds === undefined
      ? {}
      : { waitlistClaimMinutes: Math.ceil(p.waitlistClaimSeconds / 60) }),
    queue: {
      enabled: p.queueEnabled,
      mode: p.queueMode,
      prequeueMinutes: p.prequeueMinutes,
      admitPerSecond: p.admitPerSecond,
      maxActive: p.maxActive,
      passTtlSeconds: p.passTtlSeconds,
      challengeDifficulty: p.challengeDifficulty,
      paused: p.queuePaused,
    },
    seatCount: p.seatCount,
    saleState,
    ...(p.cancelledAt ? { cancelledAt: p.cancelledAt.toISOString() } : {}),
  };
}
