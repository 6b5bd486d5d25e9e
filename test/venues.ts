import { adminHeaders, waitForJob, type TestApp } from './harness.js';

/**
 * Version 2 venues for tests (decision 033): a bowl of curved wedge sections around a stage, with a
 * standing floor in the middle — a club's to a stadium's size.
 */
export interface BowlOptions {
  /** Wedge sections around the bowl. */
  sections?: number;
  rows?: number;
  /** The front rows' radius, from the bowl's centre. */
  radius?: number;
  /** The standing floor's capacity (0: none). */
  floor?: number;
  /** Seat numbers (1-based) blocked in the layout, in each section's first row. */
  blocked?: number[];
}

export function bowl({ sections = 8, rows = 10, radius = 30, floor = 0, blocked = [] }: BowlOptions = {}) {
  return {
    name: 'Bowl Arena',
    address: 'Seoul',
    version: 2 as const,
    stage: { x: 0, y: -radius / 2, width: radius / 2, height: 6, label: 'STAGE' },
    labels: [{ text: 'Gate 1', x: 0, y: radius + rows + 3, size: 2 }],
    sections: Array.from({ length: sections }, (_, i) => {
      const turn = (i / sections) * 2 * Math.PI;
      return {
        name: `S${i + 1}`,
        grade: i % 2 === 0 ? 'VIP' : 'R',
        // The middle of the front row, on the circle of `radius`, the section facing the centre.
        x: Math.round(radius * Math.sin(turn) * 1000) / 1000,
        y: Math.round(-radius * Math.cos(turn) * 1000) / 1000,
        rotation: ((i / sections) * 360 + 180) % 360,
        curve: { radius },
        aisles: [],
        rows: Array.from({ length: rows }, (_, k) => ({
          label: String(k + 1),
          // A wedge: each row as long as its arc allows, two seats short so that neighbours never touch.
          seats: Math.floor(((radius + k) * 2 * Math.PI) / sections) - 2,
          ...(k === 0 && blocked.length > 0 ? { blocked } : {}),
          ...(k === 0 ? { accessible: [1], companion: [2] } : {}),
        })),
      };
    }),
    standing:
      floor > 0
        ? [
            {
              name: 'Floor',
              grade: 'GA',
              capacity: floor,
              x: 0,
              y: radius / 4,
              width: radius,
              height: radius / 2,
            },
          ]
        : [],
  };
}

/** A 100,000-seat stadium: 32 wedges of 100 curved rows, and a standing floor making up the rest. */
export function stadium() {
  const seated = bowl({ sections: 32, rows: 100, radius: 90 });
  const seats = seated.sections.reduce((n, s) => n + s.rows.reduce((m, r) => m + r.seats, 0), 0);
  return bowl({ sections: 32, rows: 100, radius: 90, floor: 100_000 - seats });
}

/**
 * A performance on sale now (no waiting room, a day long, tickets generated) at a venue made from
 * `venue`, every grade of it priced `price`.
 */
export async function onSaleAt(
  t: TestApp,
  venue: { sections: { grade: string }[]; standing?: { grade: string }[] },
  performance: Record<string, unknown> = {},
  price = 10_000,
): Promise<{ performanceId: string; eventId: string; venueId: string; seatCount: number }> {
  const admin = await adminHeaders(t);
  const post = async (url: string, payload: object) => {
    const res = await t.app.inject({ method: 'POST', url, payload, headers: admin });
    if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json<{ id: string; jobId?: string; seatCount?: number }>();
  };
  const made = await post('/api/admin/venues', venue);
  const grades = [...new Set([...venue.sections, ...(venue.standing ?? [])].map((s) => s.grade))];
  const event = await post('/api/admin/events', {
    title: 'Layout Night',
    category: 'test',
    venueId: made.id,
    prices: grades.map((grade) => ({ grade, amount: price })),
  });
  const now = Date.now();
  const perf = await post(`/api/admin/events/${event.id}/performances`, {
    startsAt: new Date(now + 48 * 3600_000).toISOString(),
    salesOpenAt: new Date(now - 3600_000).toISOString(),
    salesCloseAt: new Date(now + 24 * 3600_000).toISOString(),
    queue: { enabled: false },
    ...performance,
  });
  await waitForJob(t, perf.jobId!);
  return { performanceId: perf.id, eventId: event.id, venueId: made.id, seatCount: made.seatCount! };
}
