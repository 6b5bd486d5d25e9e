import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, modes, startTestApp, waitForJob, type TestApp } from '../../test/harness.js';
import { bowl, stadium } from '../../test/venues.js';
import { MAX_LAYOUT_BYTES } from '../contract/catalog.js';
import { TicketStatus } from '../inventory/ticket-status.js';

// Issue 20, the server side: venues of layout version 2 (decision 033) created and read through the API,
// every bad part refused naming its field with nothing written, and a 100,000-place stadium's seat map.

const hour = 3600_000;

describe.each(modes())('venues of layout version 2 ($name)', (mode) => {
  let t: TestApp;
  let admin: { authorization: string };
  beforeAll(async () => {
    t = await startTestApp(mode);
    admin = await adminHeaders(t);
  });
  afterAll(() => t.close());

  const post = (url: string, payload: object | string) =>
    t.app.inject({ method: 'POST', url, payload, headers: { ...admin, 'content-type': 'application/json' } });
  const get = (url: string) => t.app.inject({ method: 'GET', url });
  const count = async (table: string) =>
    (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
  const section = (extra: object = {}) => ({
    name: 'A',
    grade: 'R',
    x: 0,
    y: 0,
    rows: 2,
    seatsPerRow: 4,
    ...extra,
  });

  it('when a venue with curved sections, a stage and a standing floor is created, then its seat map reads back every part', async () => {
    const res = await post('/api/admin/venues', bowl({ floor: 300, blocked: [2, 3] }));
    expect(res.statusCode, res.body).toBe(201);
    const venue = res.json<{ id: string; seatCount: number; grades: string[] }>();
    expect(venue.grades).toEqual(['VIP', 'R', 'GA']);

    const map = await get(`/api/venues/${venue.id}/seats`);
    expect(map.statusCode).toBe(200);
    const body = map.json();
    expect(body).toMatchObject({ version: 2, seatCount: venue.seatCount });
    const seated = venue.seatCount - 300;
    expect(body.standing).toEqual([
      {
        sectionNo: 8,
        name: 'Floor',
        grade: 'GA',
        capacity: 300,
        firstSeatNo: seated,
        x: 0,
        y: 7.5,
        width: 30,
        height: 15,
        rotation: 0,
      },
    ]);
    expect(body.stage).toEqual({
      x: 0,
      y: -15,
      width: 15,
      height: 6,
      rotation: 0,
      shape: 'rect',
      label: 'STAGE',
    });
    expect(body.labels).toEqual([{ text: 'Gate 1', x: 0, y: 43, rotation: 0, size: 2 }]);
    expect(body.sections[2]).toMatchObject({ name: 'S3', x: 30, y: 0, rotation: 270, curve: { radius: 30 } });
    expect(body.sections[2].rows[0]).toMatchObject({
      label: '1',
      firstSeatNo: expect.any(Number),
      blocked: [2, 3],
      accessible: [1],
      companion: [2],
    });
    expect(body.bounds).toMatchObject({ width: expect.any(Number), height: expect.any(Number) });
    const again = await t.app.inject({
      method: 'GET',
      url: `/api/venues/${venue.id}/seats`,
      headers: { 'if-none-match': map.headers.etag as string },
    });
    expect(again.statusCode).toBe(304);

    // The seats table: the floor's places are seats of a standing section with no row label.
    const { rows } = await t.db.query(
      `SELECT sc.standing, count(*)::int AS n, min(st.number) AS first, max(st.number) AS last,
              count(*) FILTER (WHERE st.blocked)::int AS blocked, count(*) FILTER (WHERE st.accessible)::int AS accessible,
              min(st.row_label) AS label
       FROM seats st JOIN sections sc USING (venue_id, section_no) WHERE st.venue_id = $1
       GROUP BY sc.standing ORDER BY sc.standing`,
      [venue.id],
    );
    expect(rows).toEqual([
      {
        standing: false,
        n: seated,
        first: 1,
        last: expect.any(Number),
        blocked: 16,
        accessible: 8,
        label: '1',
      },
      { standing: true, n: 300, first: 1, last: 300, blocked: 0, accessible: 0, label: '' },
    ]);
  });

  it('when a performance is made at such a venue, then the layout-blocked seats are blocked tickets and seats left count per grade and section', async () => {
    const v = (await post('/api/admin/venues', bowl({ floor: 100, blocked: [1] }))).json<{
      id: string;
      seatCount: number;
    }>();
    const e = (
      await post('/api/admin/events', {
        title: 'Bowl Night',
        category: 'concert',
        venueId: v.id,
        prices: [
          { grade: 'VIP', amount: 100_000 },
          { grade: 'R', amount: 80_000 },
          { grade: 'GA', amount: 50_000 },
        ],
      })
    ).json<{ id: string }>();
    const now = Date.now();
    const p = await post(`/api/admin/events/${e.id}/performances`, {
      startsAt: new Date(now + 48 * hour).toISOString(),
      salesOpenAt: new Date(now - hour).toISOString(),
      salesCloseAt: new Date(now + 24 * hour).toISOString(),
      queue: { enabled: false },
    });
    const perf = p.json<{ id: string; jobId: string }>();
    expect(await waitForJob(t, perf.jobId)).toMatchObject({ state: 'done' });
    const { rows: tickets } = await t.db.query(
      `SELECT status, count(*)::int AS n FROM tickets WHERE performance_id = $1 GROUP BY status ORDER BY status`,
      [perf.id],
    );
    expect(tickets).toEqual([
      { status: TicketStatus.Available, n: v.seatCount - 8 },
      { status: TicketStatus.Blocked, n: 8 },
    ]);

    const detail = (await get(`/api/performances/${perf.id}`)).json();
    expect(detail.counts).toEqual({ available: v.seatCount - 8, held: 0, sold: 0, blocked: 8 });
    const floor = detail.seatsLeft.sections.find((s: { name: string }) => s.name === 'Floor');
    expect(floor).toEqual({
      sectionNo: 8,
      name: 'Floor',
      grade: 'GA',
      standing: true,
      left: 100,
      seats: 100,
    });
    const s1 = detail.seatsLeft.sections[0];
    expect(s1.left).toBe(s1.seats);
    const grades = Object.fromEntries(
      detail.seatsLeft.grades.map((g: { grade: string; left: number }) => [g.grade, g.left]),
    );
    expect(grades.GA).toBe(100);
    expect(grades.VIP + grades.R + grades.GA).toBe(v.seatCount - 8);
    const page = (await get(`/api/events/${e.id}`)).json();
    expect(page.performances[0].seatsLeft).toEqual({
      version: detail.seatsLeft.version,
      grades: detail.seatsLeft.grades,
    });
  });

  it.each([
    [
      'two sections in one place',
      { sections: [section(), section({ name: 'B', x: 2 })] },
      422,
      'SECTIONS_OVERLAP',
      'sections.1',
    ],
    [
      'a row with no seats',
      {
        sections: [
          section({
            rows: [
              { label: '1', seats: 3 },
              { label: '2', seats: 0 },
            ],
          }),
        ],
      },
      400,
      'VALIDATION_FAILED',
      'sections.0.rows.1.seats',
    ],
    [
      'a duplicate name',
      { sections: [section(), section({ name: 'a ', x: 20 })] },
      422,
      'DUPLICATE_SECTION',
      'sections.1',
    ],
    [
      'a standing area with no capacity',
      { sections: [], standing: [{ name: 'F', grade: 'GA', capacity: 0, x: 0, y: 0, width: 5, height: 5 }] },
      400,
      'VALIDATION_FAILED',
      'standing.0.capacity',
    ],
    [
      'a seat on the stage',
      { sections: [section()], stage: { x: 0, y: 0.5, width: 10, height: 2 } },
      422,
      'SECTIONS_OVERLAP',
      'sections.0',
    ],
    [
      'a blocked seat past its row',
      { sections: [section({ rows: [{ label: '1', seats: 3, blocked: [9] }] })] },
      422,
      'INVALID_LAYOUT',
      'sections.0.rows.0.blocked',
    ],
    [
      'a section not placed',
      { sections: [section({ y: undefined })] },
      422,
      'INVALID_LAYOUT',
      'sections.0.y',
    ],
    [
      'more than 100,000 places',
      {
        sections: [section()],
        standing: [{ name: 'F', grade: 'GA', capacity: 100_000, x: 0, y: 50, width: 5, height: 5 }],
      },
      422,
      'LAYOUT_TOO_LARGE',
      undefined,
    ],
  ])(
    'when a layout has %s, then it is refused naming it and nothing is written',
    async (_, parts, status, code, field) => {
      const before = [await count('venues'), await count('sections'), await count('seats')];
      const res = await post('/api/admin/venues', { name: 'Bad', version: 2, ...parts });
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().error).toMatchObject({
        code,
        ...(field && { details: expect.objectContaining({ field }) }),
      });
      expect([await count('venues'), await count('sections'), await count('seats')]).toEqual(before);
    },
  );

  it('when a layout file is over the size limit, then 413 PAYLOAD_TOO_LARGE and nothing is written', async () => {
    const before = await count('venues');
    const padded = JSON.stringify({ ...bowl(), address: 'x'.repeat(400), pad: ' '.repeat(MAX_LAYOUT_BYTES) });
    const res = await post('/api/admin/venues', padded);
    expect([res.statusCode, res.json().error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(await count('venues')).toBe(before);
  });

  it('when a venue is edited into version 2, then its layout is replaced whole; a stage without sections is refused', async () => {
    const v = (
      await post('/api/admin/venues', {
        name: 'Hall',
        sections: [{ name: 'A', grade: 'R', rows: 2, seatsPerRow: 3 }],
      })
    ).json<{ id: string }>();
    const patch = (payload: object) =>
      t.app.inject({ method: 'PATCH', url: `/api/admin/venues/${v.id}`, payload, headers: admin });
    const lone = await patch({ stage: { x: 0, y: -5, width: 4, height: 2 } });
    expect([lone.statusCode, lone.json().error.code, lone.json().error.details.field]).toEqual([
      422,
      'INVALID_LAYOUT',
      'sections',
    ]);
    const { version: _, name: __, address: ___, ...layout } = bowl({ floor: 50 });
    const res = await patch({ version: 2, ...layout });
    expect(res.statusCode, res.body).toBe(200);
    const map = (await get(`/api/venues/${v.id}/seats`)).json();
    expect([map.version, map.standing[0].capacity, map.sections.length]).toEqual([2, 50, 8]);
  });

  it('when a stadium has 100,000 places, then its seat map is a few hundred kilobytes of rows, served from memory', async () => {
    let started = performance.now();
    const res = await post('/api/admin/venues', stadium());
    const created = performance.now() - started;
    expect(res.statusCode, res.body).toBe(201);
    const { id, seatCount } = res.json<{ id: string; seatCount: number }>();
    expect(seatCount).toBe(100_000);
    started = performance.now();
    const first = await get(`/api/venues/${id}/seats`);
    const cold = performance.now() - started;
    started = performance.now();
    const second = await get(`/api/venues/${id}/seats`);
    const warm = performance.now() - started;
    const body = first.json();
    const rows = body.sections.reduce((n: number, s: { rows: unknown[] }) => n + s.rows.length, 0);
    console.log(
      `100,000 places (${rows} rows in ${body.sections.length} sections, a floor of ${body.standing[0].capacity}): ` +
        `created in ${created.toFixed(0)} ms; seat map ${first.body.length} bytes, ${cold.toFixed(1)} ms cold, ` +
        `${warm.toFixed(1)} ms warm (in process)`,
    );
    expect(second.body).toBe(first.body);
    expect(first.body.length).toBeLessThan(400_000);
  });
});
