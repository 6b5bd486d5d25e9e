import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, buyer, modes, startTestApp, type TestApp } from '../../test/harness.js';
import { bowl } from '../../test/venues.js';

// Issue 20, the venue editor's export: GET /api/admin/venues/:id/layout gives the body that, POSTed
// again, makes the same venue (the same seat map: numbers, places, attributes, areas, stage, labels).

describe.each(modes())("a venue's layout file ($name)", (mode) => {
  let t: TestApp;
  let admin: { authorization: string };
  beforeAll(async () => {
    t = await startTestApp(mode);
    admin = await adminHeaders(t);
  });
  afterAll(() => t.close());

  const create = async (payload: object) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/admin/venues', payload, headers: admin });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>().id;
  };
  const exported = (id: string, headers: Record<string, string> = admin) =>
    t.app.inject({ method: 'GET', url: `/api/admin/venues/${id}/layout`, headers });
  /** The seat map without what names the venue itself. */
  const seatMap = async (id: string) => {
    const { venueId: _, ...map } = (
      await t.app.inject({ method: 'GET', url: `/api/venues/${id}/seats` })
    ).json();
    return map as Record<string, unknown>;
  };

  it('when a placed venue is exported and the file POSTed again, then the new venue has the same seat map and file', async () => {
    const layout = bowl({ sections: 4, rows: 3, floor: 120, blocked: [2, 3] });
    // One section curved by its angle: the file gives the radius it resolved to.
    layout.sections[1]!.curve = { angle: 40 } as never;
    const id = await create(layout);
    const res = await exported(id);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="venue-${id}-layout.json"`);
    const file = res.json();
    expect(file).toMatchObject({ name: 'Bowl Arena', address: 'Seoul', version: 2 });
    expect(file.sections[1].curve.radius).toBeGreaterThan(0);
    expect(file.sections[0].rows[0]).toMatchObject({ blocked: [2, 3], accessible: [1], companion: [2] });
    expect(file.standing[0]).toMatchObject({ name: 'Floor', capacity: 120 });

    const again = await create(file);
    expect(await seatMap(again)).toEqual(await seatMap(id));
    expect((await exported(again)).json()).toEqual(file);
  });

  it('when a compact venue is exported, then the file is a compact body, rows × seatsPerRow where rows are alike', async () => {
    const plain = [1, 2].map((n) => ({ label: String(n), seats: 6 }));
    const odd = [
      { label: 'AA', seats: 4 },
      { label: 'BB', seats: 8 },
    ];
    const id = await create({
      name: 'Small hall',
      sections: [
        { name: 'A', grade: 'VIP', rows: plain },
        { name: 'B', grade: 'R', rows: odd },
      ],
    });
    const file = (await exported(id)).json();
    expect(file).toEqual({
      name: 'Small hall',
      sections: [
        { name: 'A', grade: 'VIP', rows: 2, seatsPerRow: 6 },
        { name: 'B', grade: 'R', rows: odd },
      ],
    });
    expect(await seatMap(await create(file))).toEqual(await seatMap(id));
  });

  it('when the venue does not exist or the id is not one, then 404 VENUE_NOT_FOUND and 400 VALIDATION_FAILED', async () => {
    const missing = await exported('999999999');
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'VENUE_NOT_FOUND']);
    const bad = await exported('not-an-id');
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('when a buyer or nobody asks for a layout file, then 403 and 401', async () => {
    const id = await create(bowl({ sections: 2, rows: 1 }));
    const asBuyer = await exported(id, (await buyer(t)).headers);
    expect([asBuyer.statusCode, asBuyer.json().error.code]).toEqual([403, 'FORBIDDEN']);
    const anonymous = await exported(id, {});
    expect([anonymous.statusCode, anonymous.json().error.code]).toEqual([401, 'UNAUTHENTICATED']);
  });
});
