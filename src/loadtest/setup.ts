import type { HttpClient } from './http.js';

export type Headers = Record<string, string>;

/** Logs in through the API and returns the header that authenticates as that account. */
export async function login(
  client: HttpClient,
  base: string,
  credentials: { email: string; password: string },
): Promise<Headers> {
  const res = await client.request(base, 'POST', '/api/auth/login', {}, credentials);
  if (res.status !== 200)
    throw new Error(`login as ${credentials.email}: ${res.status} ${JSON.stringify(res.body)}`);
  return { authorization: `Bearer ${res.body.accessToken as string}` };
}

export interface SaleSpec {
  /** Venue sections in the compact layout; every section's grade is priced at 10,000. */
  sections: { name: string; grade: string; rows: number; seatsPerRow: number }[];
  title?: string;
  /** Performance settings over the defaults (on sale since a minute ago, for a day, no queue). */
  performance?: Record<string, unknown>;
}

export interface Sale {
  venueId: string;
  eventId: string;
  performanceId: string;
  seatCount: number;
}

/**
 * A performance on sale now, created the way an organizer does it — venue, event, performance over
 * the admin API — and returned once its tickets are generated (bounded wait on the job).
 * Tests, benchmarks and `tmomi loadtest` all set up their sales through this.
 */
export async function createSale(
  client: HttpClient,
  base: string,
  admin: Headers,
  spec: SaleSpec,
): Promise<Sale> {
  const post = async (path: string, body: object) => {
    const res = await client.request(base, 'POST', path, admin, body);
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };
  const title = spec.title ?? 'Load Test Night';
  const venue = await post('/api/admin/venues', { name: `${title} Arena`, sections: spec.sections });
  const grades = [...new Set(spec.sections.map((s) => s.grade))];
  const event = await post('/api/admin/events', {
    title,
    category: 'loadtest',
    venueId: venue.id,
    prices: grades.map((grade) => ({ grade, amount: 10_000 })),
  });
  const now = Date.now();
  const perf = await post(`/api/admin/events/${event.id as string}/performances`, {
    startsAt: new Date(now + 48 * 3600_000).toISOString(),
    salesOpenAt: new Date(now - 60_000).toISOString(),
    salesCloseAt: new Date(now + 24 * 3600_000).toISOString(),
    queue: { enabled: false },
    ...spec.performance,
  });
  for (let waited = 0; waited < 300_000; waited += 100) {
    const job = await client.request(base, 'GET', `/api/admin/jobs/${perf.jobId as string}`, admin);
    if (job.body.state === 'done') {
      return {
        venueId: venue.id as string,
        eventId: event.id as string,
        performanceId: perf.id as string,
        seatCount: venue.seatCount as number,
      };
    }
    if (job.body.state === 'failed') throw new Error(`ticket generation failed: ${JSON.stringify(job.body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('ticket generation did not finish within 5 minutes');
}
