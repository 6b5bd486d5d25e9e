import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modes, startTestApp, type TestApp } from '../../test/harness.js';

/**
 * A catalog write whose organization or venue is deleted between the service's check and its insert
 * (another admin's delete committing in between): 404 for the row that is gone, never a 500. The race
 * itself cannot be timed from a test, so the writes are handed ids that no longer exist past the check.
 */
describe.each(modes())('catalog writes that refer to a row deleted meanwhile ($name)', (mode) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(mode);
  });
  afterAll(() => t.close());

  const venueBody = { name: 'Gone Hall', sections: [{ name: 'A', grade: 'R', rows: 1, seatsPerRow: 2 }] };

  it('when the organization is gone as its venue is inserted, then 404 ORGANIZATION_NOT_FOUND and no venue', async () => {
    const before = await t.db.query('SELECT count(*)::int AS n FROM venues');
    await expect(t.catalog.venues.createVenue(venueBody, '987654321')).rejects.toMatchObject({
      code: 'ORGANIZATION_NOT_FOUND',
      status: 404,
    });
    expect((await t.db.query('SELECT count(*)::int AS n FROM venues')).rows[0].n).toBe(before.rows[0].n);
  });

  it('when the venue is gone as an event is inserted in it or moved to it, then 404 VENUE_NOT_FOUND', async () => {
    const venue = await t.catalog.venues.createVenue(venueBody);
    const event = await t.catalog.events.createEvent({
      title: 'Gone Night',
      category: 'concert',
      venueId: venue.id,
      prices: [{ grade: 'R', amount: 10_000 }],
    });
    const other = await t.catalog.venues.createVenue(venueBody);
    // The service has found the venue; PostgreSQL no longer has it.
    const existingVenue = t.catalog.venues.existingVenue.bind(t.catalog.venues);
    const found = await existingVenue(other.id);
    t.catalog.venues.existingVenue = async () => found;
    try {
      await t.db.query('DELETE FROM venues WHERE id = $1', [other.id]);
      await expect(
        t.catalog.events.createEvent({
          title: 'Too Late',
          category: 'concert',
          venueId: other.id,
          prices: [{ grade: 'R', amount: 10_000 }],
        }),
      ).rejects.toMatchObject({ code: 'VENUE_NOT_FOUND', status: 404 });
      await expect(t.catalog.events.updateEvent(event.id, { venueId: other.id })).rejects.toMatchObject({
        code: 'VENUE_NOT_FOUND',
      });
    } finally {
      t.catalog.venues.existingVenue = existingVenue;
    }
    const titles = await t.db.query(`SELECT title FROM events WHERE title IN ('Gone Night', 'Too Late')`);
    expect(titles.rows).toEqual([{ title: 'Gone Night' }]);
  });

  it('when any other write fails, then its error is not taken for a deleted row', async () => {
    const { unlessGone } = await import('./gone.js');
    const duplicate = Object.assign(new Error('duplicate'), { code: '23505', constraint: 'venues_pkey' });
    await expect(unlessGone(Promise.reject(duplicate))).rejects.toBe(duplicate);
    const otherKey = Object.assign(new Error('fk'), { code: '23503', constraint: 'holds_user_id_fkey' });
    await expect(unlessGone(Promise.reject(otherKey))).rejects.toBe(otherKey);
    await expect(unlessGone(Promise.resolve(7))).resolves.toBe(7);
  });
});
